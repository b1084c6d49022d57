"""Term ends as Microsoft documents them, the real client against the sandbox on a frozen
clock: scheduled next-term instructions applied at renewal (create-scheduled-changes),
removed by a mid-term change, and what a term ending without autorenew or while suspended
leaves (subscription-lifecycle: expired, disabled)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from connectors.partner_center import InvalidRequest, NextTerm

# A P1M term bought then has 2 April as its last day (commitmentEndDate 2025-04-02T00:00Z:
# new commerce end dates are inclusive, get-a-subscription-by-id) and renews from 00:00 UTC
# on 3 April (create-scheduled-changes).
START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
DAY = 24 * 3600


@pytest.fixture
def frozen():
    with time_machine.travel(START, tick=False):
        yield


@pytest.fixture
def bought(frozen, pc_client, make_customer, line):
    """(customer id, subscription) of 3 seats of a monthly P1M subscription bought at START."""
    customer = make_customer()
    cart = pc_client.create_cart(customer.id, [line(quantity=3)])
    order = pc_client.checkout_cart(customer.id, cart.id).orders[0]
    sub_id = pc_client.get_order(customer.id, order.id).lines[0].subscription_id
    return customer.id, pc_client.get_subscription(customer.id, sub_id)


def _next_term(sub, quantity: int, term: str = "P1Y", cycle: str = "monthly") -> NextTerm:
    product, sku, availability = sub.offer_id.split(":")
    return NextTerm(product, sku, availability, term, cycle, quantity)


def test_r1_the_renewal_applies_the_scheduled_seats_term_and_billing(pc_client, pc_sandbox,
                                                                    bought):
    customer, sub = bought
    shown = pc_client.schedule_next_term(customer, sub.id, _next_term(sub, 5, "P1Y", "annual"))
    assert (shown.next_term.quantity, shown.quantity) == (5, 3)  # shown until the renewal
    pc_sandbox.advance(30 * DAY)  # 2 April: the term's last day
    assert pc_client.get_subscription(customer, sub.id).next_term is not None
    pc_sandbox.advance(DAY)  # 3 April 09:00: renewed
    renewed = pc_client.get_subscription(customer, sub.id)
    assert (renewed.quantity, renewed.term_duration, renewed.billing_cycle) == (5, "P1Y",
                                                                                "annual")
    # The renewed P1Y term runs 3 April 2025 – 2 April 2026 (its last day).
    assert renewed.commitment_end == datetime(2026, 4, 2, tzinfo=UTC)
    assert renewed.term_end == datetime(2026, 4, 3, tzinfo=UTC)
    assert renewed.next_term is None and renewed.status == "active"
    assert renewed.refundable_quantity == 5  # the renewal restarts the seats' 7 days


def test_r1_a_withdrawn_schedule_renews_the_subscription_unchanged(pc_client, pc_sandbox,
                                                                  bought):
    customer, sub = bought
    pc_client.schedule_next_term(customer, sub.id, _next_term(sub, 5))
    assert pc_client.schedule_next_term(customer, sub.id, None).next_term is None
    pc_sandbox.advance(31 * DAY)
    renewed = pc_client.get_subscription(customer, sub.id)
    assert (renewed.quantity, renewed.term_duration) == (3, "P1M")
    assert renewed.commitment_end == datetime(2025, 5, 2, tzinfo=UTC)  # 3 April – 2 May


def test_r1_a_mid_term_seat_change_removes_the_schedule(pc_client, bought):
    customer, sub = bought
    pc_client.schedule_next_term(customer, sub.id, _next_term(sub, 5))
    assert pc_client.update_subscription(customer, sub.id, quantity=4).next_term is None


def test_r1_a_schedule_needs_autorenew(pc_client, bought):
    customer, sub = bought
    pc_client.update_subscription(customer, sub.id, auto_renew_enabled=False)
    # The client sends autoRenewEnabled true as the page asks: that switches it back on.
    assert pc_client.schedule_next_term(customer, sub.id, _next_term(sub, 5)).auto_renew_enabled


def test_r1_a_quantity_outside_the_plan_is_refused(pc_client, bought):
    customer, sub = bought
    with pytest.raises(InvalidRequest) as caught:
        pc_client.schedule_next_term(customer, sub.id, _next_term(sub, 0))
    assert caught.value.code == "2002"


def test_r3_a_term_ending_with_autorenew_off_leaves_the_subscription_expired(
        pc_client, pc_sandbox, bought):
    customer, sub = bought
    pc_client.update_subscription(customer, sub.id, auto_renew_enabled=False)
    pc_sandbox.advance(31 * DAY)
    ended = pc_client.get_subscription(customer, sub.id)
    assert (ended.status, ended.commitment_end) == ("expired", sub.commitment_end)
    with pytest.raises(InvalidRequest) as caught:
        pc_client.update_subscription(customer, sub.id, auto_renew_enabled=True)
    assert caught.value.code == "900277"


def test_r5_suspending_switches_autorenew_off_and_removes_the_schedule(pc_client, bought):
    customer, sub = bought
    pc_client.schedule_next_term(customer, sub.id, _next_term(sub, 5))
    suspended = pc_client.update_subscription(customer, sub.id, status="suspended")
    assert (suspended.status, suspended.auto_renew_enabled, suspended.next_term) == (
        "suspended", False, None)
    assert pc_client.update_subscription(customer, sub.id, status="active").status == "active"


def test_r5_autorenew_cannot_be_switched_on_while_suspended(pc_client, bought):
    customer, sub = bought
    pc_client.update_subscription(customer, sub.id, status="suspended")
    with pytest.raises(InvalidRequest) as caught:  # error-codes: 400/800091
        pc_client.update_subscription(customer, sub.id, auto_renew_enabled=True)
    assert (caught.value.http_status, caught.value.code) == (400, "800091")
    kept = pc_client.get_subscription(customer, sub.id)
    assert (kept.status, kept.auto_renew_enabled) == ("suspended", False)
    assert pc_client.update_subscription(customer, sub.id, status="active").status == "active"


def test_r5_a_subscription_still_suspended_at_its_term_end_is_disabled(pc_client, pc_sandbox,
                                                                      bought):
    customer, sub = bought
    pc_client.update_subscription(customer, sub.id, status="suspended")
    pc_sandbox.advance(31 * DAY)
    assert pc_client.get_subscription(customer, sub.id).status == "disabled"


def test_r1_the_renewal_is_one_tranche_from_the_new_terms_start_and_later_seats_their_own(
        pc_client, pc_sandbox, bought):
    # The sync tells the count a renewal renewed from changes around it by these tranches
    # (subscriptions.seen_at_renewal): 2 seats added on 20 March go into the renewal's one
    # tranche (every window restarts at the renewal, 00:00 on 3 April); 1 added on 4 April
    # has its own.
    customer, sub = bought
    pc_sandbox.advance(17 * DAY)  # 20 March 09:00
    pc_client.update_subscription(customer, sub.id, quantity=5)
    pc_sandbox.advance(15 * DAY)  # 4 April 09:00: renewed on the 3rd
    pc_client.update_subscription(customer, sub.id, quantity=6)
    renewed = pc_client.get_subscription(customer, sub.id)
    assert [(s.quantity, s.allowed_until) for s in renewed.refundable] == [
        (5, datetime(2025, 4, 10, tzinfo=UTC)), (1, datetime(2025, 4, 11, 9, tzinfo=UTC))]
