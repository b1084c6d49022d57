"""C1 at renewal (R1): annual billing is sold only while the provider has switched on both
annual switches, so a next term billed annually cannot be scheduled for the renewal (page,
API or service) while either is off, and the renewal panel does not offer it. The refusal
is checkout's: the same code and words, naming the switches still off."""

from __future__ import annotations

from decimal import Decimal

import pytest

from catalog.models import CatalogSettings, Price
from checkout.context import BillingSettings
from checkout.rules.c01_annual_billing import check as c01_check
from persistence import db
from subscriptions import renewals
from subscriptions.errors import SubscriptionRefused
from subscriptions.renewal_rules import NextTermChange
from tests.api.factories import bearer
from tests.checkout.factories import annual as annual_line
from tests.checkout.factories import context
from tests.conftest import login
from tests.subscriptions.conftest import patches
from tests.subscriptions.test_renewals import ANNUAL, _post, _renew, clock  # noqa: F401

BOTH_OFF = ("the provider has not switched on the annual billing cycle (billing settings) "
            "and annual provisioning (Microsoft Cloud Services settings)")


@pytest.fixture
def yearly(world) -> Price:
    """The plan is listed for a year billed annually; C1's switches are as shipped (off)."""
    price = Price(sku=world.price.sku, term_duration="P1Y", billing_cycle="annual",
                  market="US", currency="USD", unit_price=Decimal("120.00"),
                  erp_price=Decimal("150.00"))
    db.session.add(price)
    db.session.commit()
    assert not CatalogSettings.current().annual_sellable
    return price


def test_c1_the_page_refuses_a_next_term_billed_annually_and_the_renewal_keeps_monthly(
        clock, buy, yearly, client, world, pc_client, pc_responses):  # noqa: F811
    sub = buy(quantity=2)
    login(client, world.reseller_a_user)
    answer = _post(client, f"/subscriptions/{sub.id}/next-term", quantity="5",
                   term_duration="P1Y", billing_cycle="annual")
    assert answer.status_code == 422
    assert BOTH_OFF in answer.get_data(as_text=True).replace("&#39;", "'")
    assert db.session.get(type(sub), sub.id).next_term is None
    assert patches(pc_responses) == []  # nothing was sent to Partner Center
    _renew(clock, world, pc_client)
    assert (sub.quantity, sub.term_duration, sub.billing_cycle) == (2, "P1M", "monthly")


def test_c1_the_api_refuses_a_next_term_billed_annually_with_checkouts_code(
        clock, buy, yearly, client, world):  # noqa: F811
    sub = buy(quantity=2)
    answer = client.put(f"/api/v1/subscriptions/{sub.id}/next-term",
                        headers=bearer(world.reseller_a_user),
                        json={"quantity": 4, "term_duration": "P1Y", "billing_cycle": "annual"})
    assert answer.status_code == 422
    [problem] = answer.get_json()["error"]["problems"]
    assert problem["code"] == "C1.annual_billing_disabled" and BOTH_OFF in problem["message"]
    assert db.session.get(type(sub), sub.id).next_term is None


def test_c1_one_switch_on_is_not_enough_and_the_refusal_names_the_other(
        clock, buy, yearly, world, pc_client, pc_responses):  # noqa: F811
    sub = buy(quantity=2)
    CatalogSettings.current().annual_billing_cycle_enabled = True
    db.session.commit()
    with pytest.raises(SubscriptionRefused) as refused:
        renewals.schedule(sub, ANNUAL, world.reseller_a_user, pc_client)
    assert refused.value.code == "C1.annual_billing_disabled"
    assert "switched on annual provisioning (Microsoft Cloud Services settings). Choose " \
           "monthly billing" in refused.value.message
    assert patches(pc_responses) == []


def test_c1_the_renewal_offers_annual_billing_only_once_both_switches_are_on(
        clock, buy, yearly, world, pc_client):  # noqa: F811
    sub = buy(quantity=2)
    assert ("P1Y", "annual") not in renewals.sold_terms(sub)
    assert ("P1M", "monthly") in renewals.sold_terms(sub)
    settings = CatalogSettings.current()
    settings.annual_billing_cycle_enabled = settings.annual_provisioning_enabled = True
    db.session.commit()
    assert ("P1Y", "annual") in renewals.sold_terms(sub)
    renewals.schedule(sub, NextTermChange(5, "P1Y", "annual"), world.reseller_a_user,
                      pc_client)
    assert sub.next_term["billing_cycle"] == "annual"


def test_c1_the_renewals_refusal_is_checkouts_word_for_word():
    line = annual_line()
    for cycle_on, provisioning_on in ((False, False), (True, False), (False, True)):
        [problem] = c01_check(context(settings=BillingSettings(cycle_on, provisioning_on),
                                      lines=[line]))
        refusal = renewals.annual_refusal(CatalogSettings(
            annual_billing_cycle_enabled=cycle_on, annual_provisioning_enabled=provisioning_on),
            line.title)
        assert (refusal.rule, refusal.code, refusal.message) == (
            problem.rule, problem.code, problem.message)
    assert renewals.annual_refusal(CatalogSettings(
        annual_billing_cycle_enabled=True, annual_provisioning_enabled=True), "x") is None
