"""Add-licenses lines find their subscription in Partner Center when we hold no row for it,
and set its seats once: crash, replay and a second order at the same time included (#19)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from billing.billed_history import SEAT_CHANGES
from billing.charges import generate_charges
from billing.models import Charge
from connectors.partner_center.commerce_types import CartLineRequest
from connectors.partner_center.sandbox import seed
from persistence import db
from provisioning.jobs import requeue, run_job
from subscriptions import renewals, rules, services
from subscriptions.models import Subscription
from subscriptions.renewal_rules import NextTermChange
from subscriptions.sync import sync_all
from tests.checkout.factories import URLS
from tests.conftest import login
from tests.provisioning.conftest import crash_once_at
from tests.provisioning.factories import (
    BUSINESS_STANDARD,
    E3,
    customer,
    make_order,
    reseller_user,
)

SUBSCRIPTIONS = "GET /v1/customers/*/subscriptions"
PATCHES = "PATCH /v1/customers/*/subscriptions/*"


def unmirrored_purchase(pc_client, pc_sandbox, seats: int = 3):
    """A first order whose subscription Partner Center made but whose mirror read failed:
    the subscription is there, our row is not (the order retries later)."""
    pc_sandbox.add_fault("error", SUBSCRIPTIONS, status=503, count=None)
    first = make_order(lines=((BUSINESS_STANDARD, seats),))
    run_job(first.id, pc_client)
    pc_sandbox.faults.clear()
    assert first.lines[0].pc_subscription_id and first.job.state == "retry"
    return first


def licenses_for(first, seats: int = 2):
    """A second order as checkout plans it from Partner Center's list: licenses for that
    subscription, with no local row to aim at."""
    more = make_order(first.placed_by, first.customer, lines=((BUSINESS_STANDARD, seats),))
    line = more.lines[0]
    line.action, line.pc_subscription_id = "add_licenses", first.lines[0].pc_subscription_id
    db.session.commit()
    return more


def seats_in_partner_center(pc_sandbox, subscription_id: str) -> int:
    return pc_sandbox.snapshot()["subscriptions"][subscription_id]["wire"]["quantity"]


def request_ids(pc_responses) -> list[str]:
    return [c.request.headers["MS-RequestId"] for c in pc_responses.calls
            if c.request.method == "PATCH"]


def test_the_subscription_is_mirrored_as_the_first_orders_and_gets_the_licenses(
        pc_app, pc_client, pc_sandbox):
    first = unmirrored_purchase(pc_client, pc_sandbox)
    more = licenses_for(first)
    assert run_job(more.id, pc_client) is None and more.status == "provisioned"
    mirror = db.session.scalars(select(Subscription)).one()
    assert (mirror.order_line_id, mirror.quantity) == (first.lines[0].id, 5)
    assert more.lines[0].target_subscription_id == mirror.id
    run_job(first.id, pc_client)  # the first order's retry finds its row made
    assert first.status == "provisioned" and db.session.scalars(select(Subscription)).one()
    assert seats_in_partner_center(pc_sandbox, mirror.pc_subscription_id) == 5


def test_a_subscription_bought_elsewhere_is_found_by_plan_and_adopted(pc_app, pc_client,
                                                                     pc_sandbox):
    """No id to go by: the tenant's subscription of the same plan, cycle, term and partner
    takes the licenses, adopted as the import adopts what was bought outside the shop."""
    user = reseller_user()
    buyer = customer(user, tenant_id=seed.TENANT_WITH_DAP_ID, tenant_mode="existing",
                     tenant_domain=seed.TENANT_WITH_DAP_DOMAIN)
    bought = bought_in_partner_centers_portal(pc_client, seed.TENANT_WITH_DAP_ID, seats=3)
    more = make_order(user, buyer, lines=((BUSINESS_STANDARD, 2),))
    more.lines[0].action = "add_licenses"
    db.session.commit()
    run_job(more.id, pc_client)
    mirror = db.session.scalars(select(Subscription)).one()
    assert more.status == "provisioned" and mirror.pc_subscription_id == bought
    assert (mirror.customer_id, mirror.quantity) == (buyer.id, 5)
    assert [e.kind for e in mirror.events] == ["imported", "licenses_added"]
    assert seats_in_partner_center(pc_sandbox, bought) == 5


def bought_in_partner_centers_portal(pc_client, tenant: str, seats: int) -> str:
    """A monthly Business Standard subscription the reseller sold outside the storefront."""
    availability = pc_client.list_availabilities(*BUSINESS_STANDARD[:2], "US")[0]
    cart = pc_client.create_cart(tenant, [CartLineRequest(
        availability.catalog_item_id, seats, "P1M", "monthly",
        reseller_mpn_id=seed.RESELLER_MPN_ID)])
    order = pc_client.checkout_cart(tenant, cart.id).orders[0]
    return pc_client.get_order(tenant, order.id).lines[0].subscription_id


def test_a_subscription_partner_center_never_shows_needs_attention_after_the_budget(
        pc_app, pc_client, pc_sandbox):
    """Waiting is counted: with no such subscription and no order buying it, the line stops
    for a person once the retries are spent, and nothing is bought in its place."""
    pc_app.config["PROVISIONING_MAX_ATTEMPTS"] = 2
    first = make_order(lines=((E3, 1),))  # the customer's tenant, without this plan
    run_job(first.id, pc_client)
    more = make_order(first.placed_by, first.customer, lines=((BUSINESS_STANDARD, 2),))
    more.lines[0].action, more.lines[0].pc_subscription_id = "add_licenses", "not-there"
    db.session.commit()
    while run_job(more.id, pc_client) is not None:
        pass
    assert more.status == "needs_attention" and more.job.attempts == 2
    assert more.status_reason.endswith("no order of this storefront is buying it. Still so "
                                       "after 2 attempts.")
    assert "Look the customer's subscriptions up in Partner Center" in more.next_step
    assert pc_sandbox.count("orders") == pc_sandbox.count("subscriptions") == 1


@pytest.mark.parametrize("step", ["target", "add_licenses"])
def test_a_crash_after_each_step_is_finished_by_the_re_run_without_doubling(
        pc_app, pc_client, pc_sandbox, step):
    first = unmirrored_purchase(pc_client, pc_sandbox)
    more = licenses_for(first)
    checkpoint = crash_once_at(step)
    assert run_job(more.id, pc_client, checkpoint=checkpoint) is not None
    assert checkpoint.fired == [step] and more.job.state == "retry"
    assert run_job(more.id, pc_client, checkpoint=checkpoint) is None
    mirror = db.session.scalars(select(Subscription)).one()
    assert more.status == "provisioned" and mirror.quantity == 5
    assert seats_in_partner_center(pc_sandbox, mirror.pc_subscription_id) == 5
    assert [e.kind for e in mirror.events].count("licenses_added") == 1


def test_a_re_run_after_a_crash_does_not_undo_seats_added_meanwhile(pc_app, pc_client,
                                                                    pc_sandbox):
    """The re-run sends the same MS-RequestId, which Partner Center answers from memory: the
    count stored before the crash is not forced back onto the subscription."""
    first = make_order(lines=((BUSINESS_STANDARD, 3),))
    run_job(first.id, pc_client)
    mirror = db.session.scalar(select(Subscription))
    more = make_order(first.placed_by, first.customer, lines=((BUSINESS_STANDARD, 2),),
                      add_to=mirror)
    run_job(more.id, pc_client, checkpoint=crash_once_at("add_licenses"))
    seats = pc_sandbox.data["subscriptions"][mirror.pc_subscription_id]
    seats["wire"]["quantity"] = 9  # added in Partner Center's own portal meanwhile
    run_job(more.id, pc_client)
    assert more.status == "provisioned"
    assert seats_in_partner_center(pc_sandbox, mirror.pc_subscription_id) == 9


def test_partner_center_forgetting_the_request_still_does_not_double_the_increase(
        pc_app, pc_client, pc_sandbox):
    first = unmirrored_purchase(pc_client, pc_sandbox)
    more = licenses_for(first)
    run_job(more.id, pc_client, checkpoint=crash_once_at("add_licenses"))
    pc_sandbox.data["idempotency"].clear()
    run_job(more.id, pc_client)
    assert seats_in_partner_center(pc_sandbox, first.lines[0].pc_subscription_id) == 5


def test_a_refused_increase_is_sent_again_as_a_new_request_after_the_fix(
        pc_app, pc_client, pc_sandbox, pc_responses):
    first = make_order(lines=((BUSINESS_STANDARD, 3),))
    run_job(first.id, pc_client)
    mirror = db.session.scalar(select(Subscription))
    remote = pc_sandbox.data["subscriptions"][mirror.pc_subscription_id]["wire"]
    remote["status"] = "suspended"
    more = make_order(first.placed_by, first.customer, lines=((BUSINESS_STANDARD, 2),),
                      add_to=mirror)
    run_job(more.id, pc_client)
    assert more.status == "needs_attention" and "800091" in more.status_reason
    assert more.lines[0].target_quantity is None  # counted again on the retry
    remote["status"] = "active"  # the admin reactivated it
    requeue(more, "admin@test.example", client=pc_client, urls=URLS)
    run_job(more.id, pc_client)
    assert more.status == "provisioned" and remote["quantity"] == 5
    refused, accepted = request_ids(pc_responses)
    assert refused != accepted  # Partner Center would replay the refusal under the old id


def test_two_orders_adding_licenses_to_one_subscription_add_both(pc_app, pc_client,
                                                                  pc_sandbox):
    """The later order waits until the earlier one has set its count, then counts from it:
    neither increase is lost (both counts from 3 seats would leave 5 or 7, not 9)."""
    first = make_order(lines=((BUSINESS_STANDARD, 3),))
    run_job(first.id, pc_client)
    mirror = db.session.scalar(select(Subscription))
    earlier, later = (make_order(first.placed_by, first.customer, add_to=mirror,
                                 lines=((BUSINESS_STANDARD, seats),)) for seats in (2, 4))
    pc_sandbox.add_fault("error", PATCHES, status=503, count=4)  # past the client's retries
    run_job(earlier.id, pc_client)
    assert earlier.job.state == "retry" and earlier.lines[0].target_quantity == 5
    run_job(later.id, pc_client)
    assert later.status == "provisioning" and later.lines[0].target_quantity is None
    assert f"waits for order {earlier.number}" in later.job.last_error
    run_job(earlier.id, pc_client)
    run_job(later.id, pc_client)
    assert (earlier.status, later.status) == ("provisioned", "provisioned")
    assert seats_in_partner_center(pc_sandbox, mirror.pc_subscription_id) == mirror.quantity == 9


def test_r1_licences_added_by_an_order_record_that_the_scheduled_change_went(
        pc_app, pc_client, pc_sandbox):
    """Adding licences is a change during the term, on which Partner Center removes the
    change scheduled for the renewal: the history says so with the PATCH that did it, not
    an hour later when the sync sees it gone."""
    user = reseller_user()
    first = make_order(user, customer(user), lines=((BUSINESS_STANDARD, 3),))
    run_job(first.id, pc_client)
    sub = db.session.scalars(select(Subscription)).one()
    renewals.schedule(sub, NextTermChange(5, sub.term_duration, sub.billing_cycle),
                      first.placed_by, pc_client)
    assert sub.next_term is not None
    more = licenses_for(first)
    more.lines[0].target_subscription = sub
    db.session.commit()
    assert run_job(more.id, pc_client) is None and more.status == "provisioned"
    assert sub.next_term is None and sub.quantity == 5
    added, removed = sub.events[-2:]
    assert (added.kind, removed.kind) == ("licenses_added", "next_term_removed")
    assert "The change scheduled for the renewal (5 licenses" in removed.note
    assert removed.request_id == added.request_id  # the licences' PATCH


YEARLY_FROM = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def two_licences_on_day_ten(clock, pc_client):
    """A yearly E3 of 3 licences bought (and provisioned) at YEARLY_FROM; on day 10 an order
    of 2 more for it, not yet run: (the first order, its subscription, the second order)."""
    first = make_order(lines=((E3, 3, "P1Y", "monthly"),))
    run_job(first.id, pc_client)
    sub = db.session.scalars(select(Subscription)).one()
    clock.move_to(YEARLY_FROM + timedelta(days=10))
    more = make_order(first.placed_by, first.customer, add_to=sub,
                      lines=((E3, 2, "P1Y", "monthly"),))
    return first, sub, more


def test_s2_licences_an_order_added_are_offered_for_removal_once_provisioned(
        pc_app, pc_client, pc_sandbox):
    """The 2 licences added on day 10 of a yearly term may be removed for 7 days (S2): the
    subscription page offers them as soon as the order is provisioned, from Partner
    Center's answer to the PATCH, not only after the hourly sync."""
    with time_machine.travel(YEARLY_FROM, tick=False) as clock:
        first, sub, more = two_licences_on_day_ten(clock, pc_client)
        assert run_job(more.id, pc_client) is None and more.status == "provisioned"
        added_until = YEARLY_FROM + timedelta(days=17)
        assert rules.removable(services.facts(sub), datetime.now(UTC)) == \
            rules.Removal(2, added_until, ((2, added_until),))
        client = pc_app.test_client()
        login(client, first.placed_by, "pw-never-used-here")
        page = client.get(f"/subscriptions/{sub.id}").get_data(as_text=True)
    assert "Up to 2 licenses can be removed until 2025-03-18 09:00 UTC (S2)." in page


def test_b2_licences_the_sync_saw_before_a_crashed_order_recorded_them_are_charged_once(
        pc_app, pc_client, pc_sandbox):
    """The job stops between its PATCH and its commit; the hourly sync runs first and sees 2
    seats more in Partner Center, which it writes as a change made there (charged, B2).
    The re-run claims that record as the order's instead of adding a second one, so the
    seats are charged once, and the history names the order."""
    with time_machine.travel(YEARLY_FROM, tick=False) as clock:
        _, sub, more = two_licences_on_day_ten(clock, pc_client)
        run_job(more.id, pc_client, checkpoint=crash_once_at("add_licenses"))
        clock.move_to(YEARLY_FROM + timedelta(days=10, hours=1))
        sync_all(pc_client)
        run_job(more.id, pc_client)
        generate_charges("2025-03", date(2025, 3, 31))
    seat_changes = [(e.kind, e.data["before"], e.data["after"]) for e in sub.events
                    if e.kind in SEAT_CHANGES]
    assert more.status == "provisioned" and sub.quantity == 5
    assert seat_changes == [("licenses_added", 3, 5)]
    assert more.number in next(e.note for e in sub.events if e.kind == "licenses_added")
    added = db.session.scalars(select(Charge).where(Charge.charge_type == "addQuantity")).all()
    assert sorted(c.quantity for c in added) == [-3, 5]
