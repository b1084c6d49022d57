"""B2/B3: a seat change made in Partner Center and seen by the hourly sync only after a run
charged a later charge cycle at the old count (its day before that cycle's start) is
charged for that cycle too: once, by the run of the month the sync saw it in, as Microsoft's
pair (the seats charged refunded, the seats Partner Center held charged) for the whole
cycle. So every cycle is charged at the count Partner Center held, however late the sync saw
the change, and the history states that figure (billing.event_amounts).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select

from billing.charges import generate_charges
from billing.event_amounts import event_amounts
from billing.models import Charge, Invoice
from billing.runs import run_billing
from persistence import db
from subscriptions.models import Subscription
from subscriptions.sync import sync_all
from tests.billing.conftest import price_in, provisioned

JULY_FIRST, JULY_LAST = date(2021, 7, 1), date(2021, 7, 31)


def charges(month: str) -> list[tuple]:
    return [(c.charge_type, c.quantity, c.amount, c.period_start, c.period_end)
            for c in db.session.scalars(select(Charge).where(Charge.billing_month == month)
                                        .order_by(Charge.id))]


def seats_charged(start: date) -> int:
    """The seats the cycle starting that day is charged for, its catch-up included."""
    return sum(c.quantity for c in db.session.scalars(
        select(Charge).where(Charge.period_start == start)))


def annual_bought_on_the_first(shop, clock, pc_client, seats: int = 10) -> Subscription:
    """An annual term billed monthly, bought 1 June at EUR 10.08: cycles start on the 1st."""
    clock.move_to(datetime(2021, 6, 1, 9, tzinfo=UTC))
    annual = price_in(shop, "DE", "EUR", erp="10.08", term="P1Y", cycle="monthly")
    return provisioned(shop.customer_a, shop.reseller_a_user, annual, seats, pc_client)


def july_billed_on_its_first_day(clock) -> None:
    """June billed at 00:15 on 1 July, and July in advance: its cycle charged that day."""
    clock.move_to(datetime(2021, 7, 1, 0, 15, tzinfo=UTC))
    run_billing("2021-06", JULY_FIRST)
    run_billing("2021-07", JULY_FIRST)


def seen_event(sub: Subscription):
    db.session.expire_all()
    [event] = [e for e in db.session.get(Subscription, sub.id).events
               if (e.data or {}).get("seen_in") == "partner_center"]
    return event


def test_b2_licences_added_before_a_charged_cycle_and_seen_after_it_are_charged_for_it(
        shop, clock, pc_client):
    # 5 seats added in Partner Center on 28 June; July's cycle was charged at 10 on 1 July;
    # the sync sees them on the 2nd: August's run charges 28–30 June (3 of 30 days) and
    # July's whole cycle for them, the pair Microsoft bills (−10, +15): 15 seats in July.
    sub = annual_bought_on_the_first(shop, clock, pc_client)
    clock.move_to(datetime(2021, 6, 28, 9, tzinfo=UTC))
    pc_client.update_subscription(sub.tenant_id, sub.pc_subscription_id, quantity=15)
    july_billed_on_its_first_day(clock)
    clock.move_to(datetime(2021, 7, 2, 9, tzinfo=UTC))
    sync_all(pc_client)
    clock.move_to(datetime(2021, 8, 1, 0, 15, tzinfo=UTC))
    run_billing("2021-07", date(2021, 8, 1))
    run_billing("2021-07", date(2021, 8, 1))
    assert charges("2021-07") == [
        ("cycleCharge", 10, Decimal("100.80"), JULY_FIRST, JULY_LAST),
        ("addQuantity", -10, Decimal("-10.08"), date(2021, 6, 28), date(2021, 6, 30)),
        ("addQuantity", 15, Decimal("15.12"), date(2021, 6, 28), date(2021, 6, 30)),
        ("addQuantity", -10, Decimal("-100.80"), JULY_FIRST, JULY_LAST),
        ("addQuantity", 15, Decimal("151.20"), JULY_FIRST, JULY_LAST)]
    generate_charges("2021-08", date(2021, 8, 31))
    assert charges("2021-08")[0][:3] == ("cycleCharge", 15, Decimal("151.20"))


def test_b3_licences_removed_in_their_7_days_before_a_charged_cycle_are_credited_for_it(
        shop, clock, pc_client):
    # 5 seats added through the shop on 22 June (refundable to the 29th 09:00), removed in
    # Partner Center on the 28th; July's cycle was charged at 15 on 1 July; the sync sees
    # the removal on the 2nd, dated the window's close at the latest (29 June): credited
    # 29–30 June and July's whole cycle for the 5 (−15, +10).
    sub = annual_bought_on_the_first(shop, clock, pc_client)
    clock.move_to(datetime(2021, 6, 22, 9, tzinfo=UTC))
    eur = price_in(shop, "DE", "EUR", erp="10.08", term="P1Y", cycle="monthly")
    provisioned(shop.customer_a, shop.reseller_a_user, eur, 5, pc_client, add_to=sub)
    sync_all(pc_client)
    clock.move_to(datetime(2021, 6, 28, 9, tzinfo=UTC))
    pc_client.update_subscription(sub.tenant_id, sub.pc_subscription_id, quantity=10)
    july_billed_on_its_first_day(clock)
    clock.move_to(datetime(2021, 7, 2, 9, tzinfo=UTC))
    sync_all(pc_client)
    clock.move_to(datetime(2021, 8, 1, 0, 15, tzinfo=UTC))
    assert run_billing("2021-07", date(2021, 8, 1)).problems == ""  # a credit note (B4)
    run_billing("2021-07", date(2021, 8, 1))
    assert charges("2021-07")[1:] == [
        ("removeQuantity", -15, Decimal("-10.08"), date(2021, 6, 29), date(2021, 6, 30)),
        ("removeQuantity", 10, Decimal("6.72"), date(2021, 6, 29), date(2021, 6, 30)),
        ("removeQuantity", -15, Decimal("-151.20"), JULY_FIRST, JULY_LAST),
        ("removeQuantity", 10, Decimal("100.80"), JULY_FIRST, JULY_LAST)]
    assert seats_charged(JULY_FIRST) == 10
    # B4: each credit is a credit note naming the invoice that charged what it gives back
    invoices = {i.billing_month: i.id for i in db.session.scalars(
        select(Invoice).where(Invoice.kind == "invoice"))}
    notes = db.session.scalars(select(Invoice).where(Invoice.kind == "credit_note"))
    assert sorted(n.corrects_invoice_id for n in notes) == [invoices["2021-06"],
                                                            invoices["2021-07"]]


def test_b2_a_cycle_charged_after_the_sync_saw_the_change_gets_no_catch_up(
        shop, clock, pc_client):
    # The same addition seen on 2 July, July's cycle charged only by August's run: at the
    # 15 seats the mirror holds then, and nothing more.
    sub = annual_bought_on_the_first(shop, clock, pc_client)
    clock.move_to(datetime(2021, 6, 28, 9, tzinfo=UTC))
    pc_client.update_subscription(sub.tenant_id, sub.pc_subscription_id, quantity=15)
    clock.move_to(datetime(2021, 7, 1, 0, 15, tzinfo=UTC))
    run_billing("2021-06", JULY_FIRST)
    clock.move_to(datetime(2021, 7, 2, 9, tzinfo=UTC))
    sync_all(pc_client)
    clock.move_to(datetime(2021, 8, 1, 0, 15, tzinfo=UTC))
    run_billing("2021-07", date(2021, 8, 1))
    assert [c[:3] for c in charges("2021-07")] == [
        ("cycleCharge", 15, Decimal("151.20")),
        ("addQuantity", -10, Decimal("-10.08")), ("addQuantity", 15, Decimal("15.12"))]


def test_b5_the_history_states_the_catch_up_the_invoice_charges(shop, clock, pc_client):
    # Before August's run the page prices the change as the run will; after it, reads the
    # ledger: both the invoice's 5 seats for 28–30 June and for July, 55.44.
    sub = annual_bought_on_the_first(shop, clock, pc_client)
    clock.move_to(datetime(2021, 6, 28, 9, tzinfo=UTC))
    pc_client.update_subscription(sub.tenant_id, sub.pc_subscription_id, quantity=15)
    july_billed_on_its_first_day(clock)
    clock.move_to(datetime(2021, 7, 2, 9, tzinfo=UTC))
    sync_all(pc_client)
    event = seen_event(sub)
    promised = event_amounts(event.subscription)[event.id].amount
    clock.move_to(datetime(2021, 8, 1, 0, 15, tzinfo=UTC))
    run_billing("2021-07", date(2021, 8, 1))
    invoiced = sum(c[2] for c in charges("2021-07")[1:])
    event = seen_event(sub)
    assert promised == invoiced == event_amounts(event.subscription)[event.id].amount \
        == Decimal("55.44")


def test_b3_a_cancellation_inside_its_window_seen_after_a_later_cycle_was_charged_credits_it(
        shop, clock, pc_client):
    # Bought 25 June (window to 2 July 09:00), cancelled in Partner Center on the 30th; the
    # sync, down since the 29th, sees it on 2 August, after July's run charged the cycle of
    # 25 July: August's run credits the running cycle as the quote does, and that later
    # cycle whole, so nothing after the cancellation stays charged.
    clock.move_to(datetime(2021, 6, 25, 9, tzinfo=UTC))
    annual = price_in(shop, "DE", "EUR", erp="10.08", term="P1Y", cycle="monthly")
    sub = provisioned(shop.customer_a, shop.reseller_a_user, annual, 10, pc_client)
    clock.move_to(datetime(2021, 6, 29, 9, tzinfo=UTC))
    sync_all(pc_client)
    clock.move_to(datetime(2021, 6, 30, 9, tzinfo=UTC))
    pc_client.update_subscription(sub.tenant_id, sub.pc_subscription_id, status="deleted")
    clock.move_to(datetime(2021, 7, 1, 0, 15, tzinfo=UTC))
    run_billing("2021-06", JULY_FIRST)
    clock.move_to(datetime(2021, 8, 1, 0, 15, tzinfo=UTC))
    run_billing("2021-07", date(2021, 8, 1))
    clock.move_to(datetime(2021, 8, 2, 9, tzinfo=UTC))
    sync_all(pc_client)
    event = seen_event(sub)
    promised = event_amounts(event.subscription)[event.id].amount
    clock.move_to(datetime(2021, 9, 1, 0, 15, tzinfo=UTC))
    assert run_billing("2021-08", date(2021, 9, 1)).problems == ""
    run_billing("2021-08", date(2021, 9, 1))
    running, later = charges("2021-08")
    assert running[:2] == ("cancelImmediate", -10) and running[3] == date(2021, 7, 2)
    assert later == ("cancelImmediate", -10, Decimal("-100.80"), date(2021, 7, 25),
                     date(2021, 8, 24))
    assert seats_charged(date(2021, 7, 25)) == 0
    assert promised == running[2] + later[2]
