"""Renewals against the Partner Center sandbox on a frozen clock: next-term changes (R1)
applied at renewal or withdrawn before it, what the page says about the term's end (R3)
and the seats still removable (S2), suspend and resume (R5)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from accounts.models import Role
from accounts.services import new_user
from catalog.models import CatalogSettings, Price
from catalog.queries import buyer_price, markups_for
from notifications.models import Notification, OutboxEmail
from persistence import db
from subscriptions import renewals
from subscriptions.errors import SubscriptionRefused
from subscriptions.renewal_rules import NextTermChange
from subscriptions.sync import sync_customer
from tests.api.factories import bearer
from tests.conftest import PASSWORD, csrf_token, login, make_price
from tests.subscriptions.conftest import patches

START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)  # a P1M term: ends 2025-04-03 09:00
ANNUAL = NextTermChange(5, "P1Y", "annual")


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def annual(world) -> Price:
    """The plan is also sold for a year billed annually (what R1 may switch to), with C1's
    two annual switches on (test_c1_annual_billing_at_renewal.py: off, it is refused)."""
    settings = CatalogSettings.current()
    settings.annual_billing_cycle_enabled = settings.annual_provisioning_enabled = True
    price = Price(sku=world.price.sku, term_duration="P1Y", billing_cycle="annual",
                  market="US", currency="USD", unit_price=Decimal("120.00"),
                  erp_price=Decimal("150.00"))
    db.session.add(price)
    db.session.commit()
    return price


def _renew(clock, world, pc_client, days: int = 31) -> None:
    """Past the term's end (local and sandbox time), then the hourly sync."""
    clock.move_to(START + timedelta(days=days))
    sync_customer(world.customer_a, pc_client)
    db.session.commit()


def _post(client, url: str, **data):
    return client.post(url, data={"csrf_token": csrf_token(client, "/subscriptions"), **data})


def test_r1_a_scheduled_change_is_shown_until_the_renewal_applies_it(
        clock, buy, annual, world, pc_client, pc_responses):
    sub = buy(quantity=2)
    renewals.schedule(sub, ANNUAL, world.reseller_a_user, pc_client)
    sent = patches(pc_responses)[-1]["scheduledNextTermInstructions"]
    assert sent == {"product": {"productId": "CFQ7TTC0LDPB", "skuId": "0001",
                                "availabilityId": sub.offer_id.split(":")[2],
                                "billingCycle": "annual", "termDuration": "P1Y"},
                    "quantity": 5}
    assert (sub.next_term["quantity"], sub.quantity) == (5, 2)  # the term is unchanged
    assert sub.events[-1].kind == "next_term" and sub.events[-1].request_id
    _renew(clock, world, pc_client, days=30)  # the term's last day: not renewed yet
    assert sub.next_term is not None and sub.quantity == 2
    _renew(clock, world, pc_client)
    assert (sub.quantity, sub.term_duration, sub.billing_cycle) == (5, "P1Y", "annual")
    # Renewed from 00:00 UTC on 3 April 2025, the P1Y term's last day is 2 April 2026
    # (new commerce end dates are inclusive): it is over at midnight after it.
    assert sub.term_end.replace(tzinfo=UTC) == datetime(2026, 4, 3, tzinfo=UTC)
    assert sub.next_term is None and "renewed" in sub.events[-1].note


def test_r1_a_change_withdrawn_on_the_page_before_the_renewal_is_not_applied(
        clock, buy, annual, client, world, pc_client):
    sub = buy(quantity=2)
    login(client, world.reseller_a_user)
    url = f"/subscriptions/{sub.id}"
    answer = _post(client, f"{url}/next-term", quantity="5", term_duration="P1Y",
                   billing_cycle="annual")
    assert answer.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "5 licenses, 1 year, billed annually" in page and "the change you scheduled" in page
    asked = _post(client, f"{url}/next-term/withdraw")  # destructive: confirmed first
    assert asked.status_code == 422 and db.session.get(type(sub), sub.id).next_term
    # What it then renews with, in words (it read "2 license(s), P1M billed monthly").
    assert "it renews with 2 licenses, 1 month, billed monthly." in asked.get_data(as_text=True)
    assert _post(client, f"{url}/next-term/withdraw", confirm="yes").status_code == 302
    assert sub.next_term is None and sub.events[-1].kind == "next_term_withdrawn"
    _renew(clock, world, pc_client)
    assert (sub.quantity, sub.term_duration, sub.billing_cycle) == (2, "P1M", "monthly")


def test_r1_a_schedule_needs_autorenew_and_a_term_the_plan_is_sold_with(
        clock, buy, annual, world, pc_client, pc_responses):
    sub = buy()
    with pytest.raises(SubscriptionRefused) as unsold:
        renewals.schedule(sub, NextTermChange(2, "P3Y", "triennial"), world.reseller_a_user,
                          pc_client)
    assert unsold.value.code == "R1.term_not_sold"
    assert "1 year, billed annually" in unsold.value.message  # what can be chosen
    sub.autorenew = False
    with pytest.raises(SubscriptionRefused) as off:
        renewals.schedule(sub, ANNUAL, world.reseller_a_user, pc_client)
    assert off.value.code == "R1.autorenew_off"
    assert patches(pc_responses) == []  # nothing was sent to Partner Center


def test_r1_the_api_schedules_and_withdraws_a_change(clock, buy, annual, client, world):
    sub = buy(quantity=2)
    url, headers = f"/api/v1/subscriptions/{sub.id}/next-term", bearer(world.reseller_a_user)
    answer = client.put(url, headers=headers,
                        json={"quantity": 4, "term_duration": "P1Y", "billing_cycle": "annual"})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["next_term"] == {"quantity": 4, "term_duration": "P1Y",
                                              "billing_cycle": "annual"}
    shown = client.get(f"/api/v1/subscriptions/{sub.id}", headers=headers).get_json()
    assert shown["next_term"]["quantity"] == 4
    withdrawn = client.delete(url, headers=headers)
    assert withdrawn.status_code == 200 and withdrawn.get_json()["next_term"] is None
    again = client.delete(url, headers=headers)
    assert again.status_code == 422
    assert again.get_json()["error"]["problems"][0]["code"] == "R1.nothing_scheduled"


def test_s2_the_page_shows_how_many_licenses_can_be_removed_and_until_when(
        clock, buy, client, world, pc_client):
    sub = buy(quantity=3)
    sync_customer(world.customer_a, pc_client)  # Partner Center's refundableQuantity
    db.session.commit()
    login(client, world.reseller_a_user)
    page = client.get(f"/subscriptions/{sub.id}").get_data(as_text=True)
    assert re.search(r'id="removal">Up to 3 licenses can be removed until 2025-03-10', page)
    _renew(clock, world, pc_client, days=8)
    page = client.get(f"/subscriptions/{sub.id}").get_data(as_text=True)
    assert 'id="removal">No license can be removed now' in page
    assert page.count("can be removed") == 1  # stated once, beside the quantity


def test_r3_with_autorenew_off_the_page_says_what_microsoft_does_and_follows_it(
        clock, buy, client, world, pc_client):
    sub = buy()
    login(client, world.reseller_a_user)
    answer = _post(client, f"/subscriptions/{sub.id}/autorenew", autorenew="off",
                   confirm="yes")
    assert answer.status_code == 302
    page = client.get(f"/subscriptions/{sub.id}").get_data(as_text=True)
    assert "marks it expired" in page and "30 days" in page
    assert "learn.microsoft.com/partner-center/subscription-lifecycle" in page
    _renew(clock, world, pc_client)
    assert sub.status == "expired"  # as Partner Center reports it after the end date
    page = client.get(f"/subscriptions/{sub.id}").get_data(as_text=True)
    assert "Partner Center shows it expired" in page


def test_r5_an_admin_suspends_with_a_reason_the_buyer_sees_then_resumes(
        clock, buy, client, world, pc_client, pc_responses):
    sub = buy()
    login(client, world.admin)
    url = f"/subscriptions/{sub.id}"
    refused = _post(client, f"{url}/suspend", reason=" ", confirm="yes")
    assert refused.status_code == 422 and "R5.reason_required" in refused.get_data(as_text=True)
    assert _post(client, f"{url}/suspend", reason="Invoice 12 unpaid",
                 confirm="yes").status_code == 302
    assert patches(pc_responses)[-1]["status"] == "suspended"
    assert (sub.status, sub.suspension_reason, sub.autorenew) == (
        "suspended", "Invoice 12 unpaid", False)
    told = db.session.scalars(db.select(Notification).filter_by(
        user_id=world.reseller_a_user.id)).all()
    assert any("Invoice 12 unpaid" in n.body for n in told)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, world.reseller_a_user)
    assert "Invoice 12 unpaid" in client.get(url).get_data(as_text=True)
    assert _post(client, f"{url}/resume").status_code == 403  # provider admins only
    renewals.resume(sub, world.admin, pc_client)
    assert (sub.status, sub.suspension_reason) == ("active", "")
    assert patches(pc_responses)[-1]["status"] == "active"


def test_r5_no_reactivation_after_the_term_ended(clock, buy, world, pc_client):
    sub = buy()
    renewals.suspend(sub, "Fraud check", world.admin, pc_client)
    with pytest.raises(SubscriptionRefused) as late:
        renewals.resume(sub, world.admin, pc_client, now=START + timedelta(days=31))
    assert late.value.code == "R5.term_ended"
    _renew(clock, world, pc_client)
    assert sub.status == "disabled"  # Partner Center: suspended at the term's end


def test_r1_the_sandbox_demo_renews_a_subscription_with_its_scheduled_change(
        clock, buy, annual, client, world, pc_client):
    sub = buy(quantity=2)
    renewals.schedule(sub, ANNUAL, world.reseller_a_user, pc_client)
    login(client, world.admin)
    assert _post(client, f"/sandbox/subscriptions/{sub.id}/renew").status_code == 302
    assert (sub.quantity, sub.term_duration, sub.next_term) == (5, "P1Y", None)


def test_r4_an_upgrade_listed_by_partner_center_moves_licenses_and_both_show_it(
        clock, buy, client, world, pc_responses):
    e3 = make_price(title="Microsoft 365 E3", product_id="CFQ7TTC0LFLZ", family="microsoft365")
    db.session.commit()
    sub = buy(quantity=3)
    login(client, world.reseller_a_user)
    url = f"/subscriptions/{sub.id}/upgrade"
    page = client.get(url).get_data(as_text=True)
    assert "Microsoft 365 E3" in page and "Upgrade now" in page
    # The P1M term's last day is 2 April (it is over at 00:00 UTC on the 3rd).
    assert "to a subscription ending on 2025-04-02 like this one" in page
    assert "keep this plan until its term's last day, 2025-04-02, and renew" in page
    to = re.search(r'name="to" value="([^"]+)"', page)[1]
    asked = _post(client, url, to=to, quantity="2")  # moving licenses is confirmed first
    assert asked.status_code == 422 and sub.quantity == 3
    assert _post(client, url, to=to, quantity="2", confirm="yes").status_code == 302
    posted = [c for c in pc_responses.calls if c.request.url.endswith("/transitions")]
    assert len(posted) == 1
    target = db.session.scalars(db.select(type(sub)).filter_by(product_id=e3.sku.product_id)
                                ).one()
    assert (sub.quantity, target.quantity, target.term_end) == (1, 2, sub.term_end)
    assert f"subscription {target.id}" in sub.events[-1].note
    assert f"subscription {sub.id}" in target.events[-1].note
    order = client.get(f"/orders/{sub.order_line.order_id}").get_data(as_text=True)
    assert f'/subscriptions/{sub.id}"' in order  # the order lists both subscriptions
    assert f'/subscriptions/{target.id}" class="upgraded-subscription"' in order
    refused = _post(client, url, to=to, quantity="5", confirm="yes")
    assert refused.status_code == 422 and "R4.quantity" in refused.get_data(as_text=True)


def _e3() -> Price:
    """Microsoft 365 E3, the plan the sandbox lists as Business Standard's upgrade."""
    price = make_price(title="Microsoft 365 E3", product_id="CFQ7TTC0LFLZ", family="microsoft365",
                       cost="30.00", erp="36.00")
    db.session.commit()
    return price


def test_r1_a_change_of_plan_listed_for_the_renewal_is_applied_by_it(
        clock, buy, world, pc_client, pc_responses):
    e3 = _e3()
    sub = buy(quantity=2)
    (offer,) = renewals.plans_at_renewal(sub, pc_client)  # eligibilityType=scheduled
    assert any("eligibilityType=scheduled" in c.request.url for c in pc_responses.calls)
    renewals.schedule(sub, NextTermChange(3, "P1M", "monthly", offer.catalog_item_id),
                      world.reseller_a_user, pc_client)
    sent = patches(pc_responses)[-1]["scheduledNextTermInstructions"]
    assert sent["product"]["productId"] == "CFQ7TTC0LFLZ" and sent["quantity"] == 3
    quote = renewals.quote_next_term(sub)  # the next term is priced at the new plan's price
    assert "of Microsoft 365 E3" in renewals.describe(quote.change)
    assert quote.total == 3 * Decimal(buyer_price(e3, e3.sku.product_id,
                                                  markups_for(sub.reseller_id)))
    assert sub.product_id != e3.sku.product_id  # until the renewal, the plan is unchanged
    _renew(clock, world, pc_client)
    assert (sub.product_id, sub.title, sub.quantity) == (e3.sku.product_id, "Microsoft 365 E3", 3)
    assert sub.pc_product_id == "CFQ7TTC0LFLZ" and sub.next_term is None
    assert "plan Microsoft 365 Business Standard → Microsoft 365 E3" in sub.events[-1].note


def test_r1_a_plan_partner_center_does_not_list_is_refused_before_any_change(
        clock, buy, world, pc_client, pc_responses):
    _e3()
    sub = buy(quantity=2)
    with pytest.raises(SubscriptionRefused) as refused:
        renewals.schedule(sub, NextTermChange(2, "P1M", "monthly", "CFQ7TTC0LFLZ:0002:X"),
                          world.reseller_a_user, pc_client)
    assert refused.value.code == "R1.plan_not_eligible"
    assert patches(pc_responses) == []


def test_r4_an_upgrade_at_renewal_is_shown_withdrawable_and_keeps_the_plan_until_then(
        clock, buy, client, world, pc_client, pc_responses):
    _e3()
    sub = buy(quantity=3)
    login(client, world.reseller_a_user)
    url = f"/subscriptions/{sub.id}/upgrade"
    page = client.get(url).get_data(as_text=True)
    assert "Upgrade now" in page and "Upgrade at renewal" in page
    to = re.search(r'name="to" value="([^"]+)"\s*>\s*<input type="hidden" name="when"',
                   page)[1]
    assert _post(client, url, to=to, quantity="3", when="renewal").status_code == 302
    assert not [c for c in pc_responses.calls if c.request.url.endswith("/transitions")]
    shown = client.get(f"/subscriptions/{sub.id}").get_data(as_text=True)
    assert "3 licenses of Microsoft 365 E3, 1 month, billed monthly" in shown
    assert "Withdraw the scheduled change" in shown
    assert _post(client, f"/subscriptions/{sub.id}/next-term/withdraw",
                 confirm="yes").status_code == 302
    _renew(clock, world, pc_client)
    assert (sub.title, sub.pc_product_id) == ("Microsoft 365 Business Standard", "CFQ7TTC0LDPB")


def test_r1_the_api_schedules_a_change_of_plan(clock, buy, client, world, pc_client):
    _e3()
    sub = buy(quantity=2)
    (offer,) = renewals.plans_at_renewal(sub, pc_client)
    answer = client.put(f"/api/v1/subscriptions/{sub.id}/next-term",
                        headers=bearer(world.reseller_a_user),
                        json={"quantity": 2, "term_duration": "P1M", "billing_cycle": "monthly",
                              "plan": offer.catalog_item_id})
    assert answer.status_code == 200, answer.get_json()
    assert db.session.get(type(sub), sub.id).next_term["pc_product_id"] == "CFQ7TTC0LFLZ"


def _renewal_form(page: str) -> tuple[str, dict[str, str]]:
    """The renewal panel's schedule form as a browser submits it untouched: its text and
    its fields (hidden inputs, number inputs, each select's chosen option)."""
    form = re.search(r'<form method="post" action="[^"]*/next-term" class="row-form">(.*?)'
                     r'</form>', page, re.S)[1]
    fields = dict(re.findall(r'<input type="(?:hidden|number)" name="([^"]+)"[^>]*?'
                             r'value="([^"]*)"', form))
    for name, options in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        fields[name] = re.search(r'<option value="([^"]*)"\s*selected', options)[1]
    return form, fields


def test_r1_editing_the_licenses_of_a_scheduled_upgrade_keeps_its_plan_and_offers_its_terms(
        clock, buy, annual, client, world, pc_responses):
    _e3()  # sold for 1 month billed monthly only; this plan is also sold for a year
    sub = buy(quantity=3)
    login(client, world.reseller_a_user)
    url = f"/subscriptions/{sub.id}"
    upgrade = client.get(f"{url}/upgrade").get_data(as_text=True)
    to = re.search(r'name="to" value="([^"]+)"\s*>\s*<input type="hidden" name="when"',
                   upgrade)[1]
    assert _post(client, f"{url}/upgrade", to=to, quantity="5", when="renewal").status_code \
        == 302
    form, fields = _renewal_form(client.get(url).get_data(as_text=True))
    assert 'value="P1Y"' not in form  # the upgrade's terms, not this plan's
    answer = _post(client, f"{url}/next-term", **{**fields, "quantity": "6"})
    assert answer.status_code == 302  # keeping the upgrade asks nothing
    assert patches(pc_responses)[-1]["scheduledNextTermInstructions"]["product"][
        "productId"] == "CFQ7TTC0LFLZ"
    page = client.get(url).get_data(as_text=True)
    assert "Scheduled for the renewal: 6 licenses of Microsoft 365 E3, 1 month, billed " \
           "monthly." in page
    assert "renews for <strong>6 licenses of Microsoft 365 E3" in page


def test_r1_replacing_a_scheduled_upgrade_is_confirmed_first_and_said_after(
        clock, buy, client, world, pc_client):
    _e3()
    sub = buy(quantity=3)
    (offer,) = renewals.plans_at_renewal(sub, pc_client)
    renewals.schedule(sub, NextTermChange(5, "P1M", "monthly", offer.catalog_item_id),
                      world.reseller_a_user, pc_client)
    login(client, world.reseller_a_user)
    url = f"/subscriptions/{sub.id}/next-term"
    wanted = {"plan": "", "quantity": "6", "term_duration": "P1M", "billing_cycle": "monthly"}
    asked = _post(client, url, **wanted)
    text = asked.get_data(as_text=True)
    assert asked.status_code == 422 and "was to apply 5 licenses of Microsoft 365 E3" in text
    assert "it renews as 6 licenses, 1 month, billed monthly" in text
    assert sub.next_term["pc_product_id"] == "CFQ7TTC0LFLZ"  # nothing changed yet
    assert _post(client, url, confirm="yes", **wanted).status_code == 302
    page = client.get(f"/subscriptions/{sub.id}").get_data(as_text=True)
    assert "The change of plan scheduled before (5 licenses of Microsoft 365 E3, 1 month, " \
           "billed monthly) was replaced." in page
    assert sub.next_term["pc_product_id"] == "CFQ7TTC0LDPB" and sub.next_term["quantity"] == 6
    assert "It replaces the change scheduled before: 5 licenses of Microsoft 365 E3" in \
        sub.events[-1].note


SCHEDULED = "The change scheduled for the renewal (5 licenses, 1 year, billed annually)"


@pytest.fixture
def scheduled(clock, buy, annual, client, world, pc_client):
    """Two licences with a year billed annually scheduled for the renewal, their reseller
    signed in."""
    sub = buy(quantity=2)
    renewals.schedule(sub, ANNUAL, world.reseller_a_user, pc_client)
    login(client, world.reseller_a_user)
    return sub


def test_r1_turning_autorenew_off_says_the_scheduled_change_goes_before_and_after(
        scheduled, client):
    sub = scheduled
    url = f"/subscriptions/{sub.id}"
    assert f"{SCHEDULED} is removed" in client.get(url).get_data(as_text=True)  # the dialog
    asked = _post(client, f"{url}/autorenew", autorenew="off")
    assert asked.status_code == 422 and f"{SCHEDULED} is removed" in asked.get_data(
        as_text=True)
    assert _post(client, f"{url}/autorenew", autorenew="off", confirm="yes").status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert f"Autorenew is off. {SCHEDULED} was removed." in page
    assert sub.next_term is None
    removed = sub.events[-1]
    assert removed.kind == "next_term_removed" and SCHEDULED in removed.note
    assert removed.request_id == sub.events[-2].request_id  # the autorenew PATCH did it


def test_r1_a_mid_term_quantity_change_says_the_scheduled_change_goes_before_and_after(
        scheduled, client, world):
    sub = scheduled
    url = f"/subscriptions/{sub.id}/quantity"
    fewer = _post(client, url, quantity="1")  # removing asked already; now it names it
    assert fewer.status_code == 422 and f"{SCHEDULED} is removed" in fewer.get_data(
        as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, world.admin)
    more = _post(client, url, quantity="3")  # adding asked nothing before
    assert more.status_code == 422 and f"{SCHEDULED} is removed" in more.get_data(as_text=True)
    assert sub.next_term is not None and sub.quantity == 2
    assert _post(client, url, quantity="3", confirm="yes").status_code == 302
    page = client.get(f"/subscriptions/{sub.id}").get_data(as_text=True)
    assert f"The subscription now has 3 licenses. {SCHEDULED} was removed." in page
    assert sub.next_term is None and sub.events[-1].kind == "next_term_removed"
    assert "next term removed" in page  # in the history the buyer reads


def test_r1_a_mid_term_change_with_nothing_scheduled_says_nothing_of_it(
        clock, buy, client, world):
    sub = buy(quantity=2)
    login(client, world.admin)
    assert _post(client, f"/subscriptions/{sub.id}/quantity", quantity="3").status_code == 302
    page = client.get(f"/subscriptions/{sub.id}").get_data(as_text=True)
    assert "The subscription now has 3 licenses." in page and "was removed" not in page
    assert sub.events[-1].kind == "quantity"


def _mail(to: str) -> str:
    return db.session.scalars(db.select(OutboxEmail).filter_by(to=to)).one().body


def test_r5_the_suspension_email_tells_the_buyer_what_follows_and_each_admin_who_did_it(
        clock, buy, annual, world, pc_client):
    sub = buy(quantity=2)
    renewals.schedule(sub, ANNUAL, world.reseller_a_user, pc_client)
    other_admin = new_user("admin2@test.example", PASSWORD, Role.PROVIDER_ADMIN)
    db.session.add(other_admin)
    db.session.commit()
    renewals.suspend(sub, "Invoice 12 unpaid", world.admin, pc_client)
    buyer = _mail(world.reseller_a_user.email)
    assert "was suspended by your provider: Invoice 12 unpaid" in buyer
    for said in ("Its users cannot use it", "Microsoft goes on billing it",
                 "Autorenew was switched off", f"{SCHEDULED} was removed",
                 # The term's last day, as Microsoft names its end date (inclusive).
                 f"reactivated only until its term ends on {sub.last_moment:%Y-%m-%d}",
                 "if it is still suspended then, it is disabled"):
        assert said in buyer, said
    mine, theirs = _mail(world.admin.email), _mail("admin2@test.example")
    assert "(reseller Reseller A) was suspended by you: Invoice 12 unpaid" in mine
    assert "was suspended by admin@test.example: Invoice 12 unpaid" in theirs
    assert "your provider" not in mine + theirs and "Microsoft goes on billing it" in theirs
    assert [e.kind for e in sub.events[-2:]] == ["suspend", "next_term_removed"]
