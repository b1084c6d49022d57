"""C4/B5: extra licences join the subscription they are bought for, on its term and billing.
The cart offers no other term for such a line and refuses a forged one, and checkout (the
pages' and the API's) refuses a line whose term or billing is not its subscription's: the
order would promise an annual price while Partner Center adds the licences to the monthly
subscription and billing prorates them at its monthly price."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from agreements import mca
from catalog.models import CatalogSettings
from connectors.partner_center.sandbox import seed
from orders import cart as carts
from orders.models import CartLine, Order
from persistence import db
from subscriptions import renewals
from subscriptions.renewal_rules import NextTermChange
from tests.api.factories import bearer
from tests.billing.conftest import price_in, provisioned
from tests.billing.test_renewed_term_price import first_term, renew
from tests.conftest import login, post_form


@pytest.fixture
def monthly(shop, clock, pc_client):
    """Reseller A's customer holds 10 licences of a 1-month term billed monthly (10.00 a
    month); the same plan also sells on a 1-year term billed annually (100.00 a year), and
    annual billing is switched on (C1)."""
    clock.move_to(datetime(2021, 7, 1, 9, tzinfo=UTC))
    user, customer = shop.reseller_a_user, shop.customer_a
    sub = provisioned(customer, user, price_in(shop, "DE", "EUR", "10.00"), 10, pc_client)
    settings = CatalogSettings.current()
    settings.annual_billing_cycle_enabled = settings.annual_provisioning_enabled = True
    mca.record_acceptance(customer=customer, user=user, signer=mca.Signer(
        "Ada", "Lovelace", "ada@example.com"), template_id=seed.MCA_TEMPLATE_ID,
        version=seed.MCA_TEMPLATE_ID, date_agreed=date(2021, 7, 1))  # K5 for this checkout
    db.session.commit()
    return sub


def annual(shop):
    return price_in(shop, "DE", "EUR", "100.00", term="P1Y", cycle="annual")


def add_two(client, shop, sub) -> str:
    """Add 2 licences from the subscription's page; the cart page that follows."""
    login(client, shop.reseller_a_user)
    post_form(client, f"/subscriptions/{sub.id}/licenses", {"quantity": "2"},
              token_url=f"/subscriptions/{sub.id}")
    return client.get(f"/cart?customer={sub.customer_id}").get_data(as_text=True)


def test_c4_an_extra_licences_line_offers_no_other_term_and_names_its_subscription(
        client, shop, monthly):
    annual(shop)
    page = add_two(client, shop, monthly)
    assert 'id="line-0-billing"' not in page  # no selector: nothing to choose
    [terms] = re.findall(r'id="line-0-terms">(.*?)</', page, re.S)
    assert "1-month term · billed monthly" in terms
    assert monthly.title in terms
    assert "60,00" not in page and "20,00\xa0€" in page  # 2 × 10.00, per month


def test_c4_a_forged_update_to_another_term_is_refused_and_the_line_kept(
        client, shop, monthly):
    yearly = annual(shop)
    add_two(client, shop, monthly)
    customer = shop.customer_a
    [line] = carts.cart_for(shop.reseller_a_user, customer).lines
    answer = post_form(client, f"/cart/{customer.id}/lines/{line.id}",
                       {"price_id": str(yearly.id), "quantity": "3"},
                       token_url=f"/cart?customer={customer.id}")
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "C4.subscription_other_terms" in page
    db.session.expire_all()
    kept = db.session.get(CartLine, line.id)
    assert (kept.price.billing_cycle, kept.price.term_duration, kept.quantity) == (
        "monthly", "P1M", 2)
    assert "per license per year" not in page


def test_c4_the_cart_service_refuses_another_term_for_extra_licences(shop, monthly):
    yearly = annual(shop)
    line = carts.add_licenses(monthly, 2, shop.reseller_a_user)
    with pytest.raises(carts.CartError) as refused:
        carts.update_line(line.cart, line.id, 2, yearly.id)
    assert refused.value.code == "C4.subscription_other_terms"


def test_c4_a_quantity_update_keeps_the_subscriptions_terms(shop, monthly):
    line = carts.add_licenses(monthly, 2, shop.reseller_a_user)
    carts.update_line(line.cart, line.id, 4, line.price_id)
    assert (line.price.billing_cycle, line.price.term_duration, line.quantity) == (
        "monthly", "P1M", 4)


def test_c4_checkout_refuses_a_line_whose_terms_are_not_its_subscriptions(
        client, shop, monthly):
    """A line changed before this fix (or by any other path) is refused, not placed."""
    add_two(client, shop, monthly)
    customer = shop.customer_a
    [line] = carts.cart_for(shop.reseller_a_user, customer).lines
    line.price = annual(shop)
    db.session.commit()
    answer = post_form(client, f"/cart/{customer.id}/place", {"idempotency_key": "c4-terms"},
                       token_url=f"/cart?customer={customer.id}")
    assert answer.status_code == 422
    assert "C4.subscription_other_terms" in answer.get_data(as_text=True)
    assert db.session.scalar(select(Order).where(Order.idempotency_key == "c4-terms")) is None


def test_c4_the_api_refuses_extra_licences_on_another_term(client, shop, monthly):
    body = {"customer_id": shop.customer_a.id, "lines": [
        {"price_id": annual(shop).id, "quantity": 2, "add_to_subscription_id": monthly.id}]}
    response = client.post("/api/v1/checkout/validate", json=body,
                           headers=bearer(shop.reseller_a_user))
    assert response.status_code == 422
    codes = [p["code"] for p in response.get_json()["error"]["problems"]]
    assert codes == ["C4.subscription_other_terms"]


def test_c4_the_api_accepts_extra_licences_on_the_subscriptions_terms(client, shop, monthly):
    body = {"customer_id": shop.customer_a.id, "lines": [
        {"price_id": monthly.order_line.price_id, "quantity": 2,
         "add_to_subscription_id": monthly.id}]}
    response = client.post("/api/v1/checkout/validate", json=body,
                           headers=bearer(shop.reseller_a_user))
    assert response.status_code == 200, response.get_json()


def test_c4_after_a_renewal_to_annual_billing_extra_licences_are_billed_annually(
        shop, clock, agent, pc_client):
    """R1 changed the subscription's billing at renewal: its extra licences follow the
    renewed term's billing, not the order line's first one (else C4 would refuse them)."""
    first = price_in(shop, "DE", "EUR", erp="36.00", term="P1Y", cycle="monthly")
    price_in(shop, "DE", "EUR", erp="420.00", term="P1Y", cycle="annual")
    settings = CatalogSettings.current()  # C1: annual billing is sold
    settings.annual_billing_cycle_enabled = settings.annual_provisioning_enabled = True
    sub = first_term(shop, agent, clock, pc_client, first, billed=False)
    renewals.schedule(sub, NextTermChange(10, "P1Y", "annual"), agent, pc_client)
    renew(clock, shop, pc_client)
    line = carts.add_licenses(sub, 2, agent)
    assert (line.price.term_duration, line.price.billing_cycle) == ("P1Y", "annual")


def test_r1_the_cart_says_adding_licences_removes_the_change_scheduled_for_the_renewal(
        client, shop, monthly, pc_client):
    """Adding licences is a change during the term: Partner Center removes the change
    scheduled for the renewal on one (create-scheduled-changes), which the buyer only
    learned from the next sync."""
    annual(shop)
    renewals.schedule(monthly, NextTermChange(12, "P1Y", "annual"), shop.reseller_a_user,
                      pc_client)
    page = add_two(client, shop, monthly)
    [said] = re.findall(r'data-testid="schedule-dropped">(.*?)</small>', page, re.S)
    assert "Adding them removes the change scheduled for its renewal (12 licenses" in said


def test_r1_nothing_is_said_of_a_schedule_when_none_is_scheduled(client, shop, monthly):
    assert 'data-testid="schedule-dropped"' not in add_two(client, shop, monthly)
