"""R4 with B2: the subscription an upgrade made in Partner Center, linked to its source by a
sync pass after the one that saw the upgrade, is charged the conversion once, even when a
run charged the upgrade's month in full between the two passes.

The source's record of the upgrade awaits the subscription it made until the mirror
reaches it (subscriptions.moved_in): here its product is not in the catalog yet on the
first pass, so the sync cannot adopt it until the catalog has it. Billing charges a change
dated in a month it charged already by the month the storefront learnt of it (`seen_at`,
billing.charges): the target's conversion was learnt of when it was linked, not when its
source's side was seen, so the next run charges it, from the upgrade's day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select

from billing.event_amounts import event_amounts
from billing.models import Charge
from billing.runs import run_billing
from persistence import db
from subscriptions.models import Subscription
from subscriptions.sync import sync_all
from tests.billing.conftest import nothing_added_again
from tests.billing.test_r4_upgrades_made_in_partner_center import (
    e3_on_sale,
    ten_seats_seen_after_their_7_days,
    upgrade_in_partner_center,
)

AUG_20, SEP_17, SEP_18, OCT_17 = (date(2021, 8, 20), date(2021, 9, 17), date(2021, 9, 18),
                                  date(2021, 10, 17))
# 30.24 / 31 × 29 days (20 August – 17 September, the rest of the source's cycle) × 4
# licences: 113.156…, cut to the cent as Microsoft cuts it (persistence.money)
CONVERTED = Decimal("113.15")


def upgraded_on_20_august(shop, clock, pc_client) -> tuple[Subscription, str]:
    """4 of the ten seats upgraded in Partner Center at 09:00 on 20 August into a new E3
    subscription, the source's side seen by the sync's pass at 10:00."""
    sub = ten_seats_seen_after_their_7_days(shop, clock, pc_client)
    clock.move_to(datetime(2021, 8, 20, 9, tzinfo=UTC))
    moved_to = upgrade_in_partner_center(pc_client, sub, 4)
    clock.move_to(datetime(2021, 8, 20, 10, tzinfo=UTC))
    sync_all(pc_client)
    return sub, moved_to


def august_billed_in_full() -> None:
    run_billing("2021-08", date(2021, 9, 1))


def target_of(moved_to: str) -> Subscription:
    db.session.expire_all()
    return db.session.scalar(select(Subscription).where(
        Subscription.pc_subscription_id == moved_to))


def linked_after_august_was_billed(shop, clock, pc_client) -> Subscription:
    """E3 is not in the catalog on the pass that sees the source's side, so the subscription
    the upgrade made waits; August is billed in full at 00:15 on 1 September; the catalog
    has E3 by the 01:00 pass, which adopts it and links it to its source."""
    _, moved_to = upgraded_on_20_august(shop, clock, pc_client)
    assert target_of(moved_to) is None  # not adopted: its product is not sold here yet
    clock.move_to(datetime(2021, 9, 1, 0, 15, tzinfo=UTC))
    august_billed_in_full()
    e3_on_sale()
    clock.move_to(datetime(2021, 9, 1, 1, tzinfo=UTC))
    sync_all(pc_client)
    return target_of(moved_to)


def september_billed_in_full(clock) -> None:
    clock.move_to(datetime(2021, 10, 1, 0, 15, tzinfo=UTC))
    run_billing("2021-09", date(2021, 10, 1))


def target_charges(target: Subscription) -> list[tuple]:
    return [(c.charge_type, c.quantity, c.amount, c.period_start, c.period_end,
             c.billing_month)
            for c in db.session.scalars(select(Charge).where(
                Charge.subscription_id == target.id).order_by(Charge.period_start, Charge.id))]


def conversion_event(target: Subscription):
    [event] = [e for e in db.session.get(Subscription, target.id).events
               if e.kind == "upgrade"]
    return event


def test_r4_a_target_linked_after_its_upgrades_month_was_billed_is_charged_the_conversion(
        shop, clock, pc_client):
    # The conversion (4 seats, 20 August – 17 September) goes on September's invoice, the
    # month the storefront learnt of it; then the source's cycles, from 18 September.
    target = linked_after_august_was_billed(shop, clock, pc_client)
    september_billed_in_full(clock)
    assert target_charges(target) == [
        ("convert", 4, CONVERTED, AUG_20, SEP_17, "2021-09"),
        ("cycleCharge", 4, Decimal("120.96"), SEP_18, OCT_17, "2021-09")]


def test_r4_a_target_linked_in_the_pass_that_saw_its_upgrade_is_charged_it_once(
        shop, clock, pc_client):
    # E3 on sale from the start: the pass at 10:00 adopts and links the new subscription.
    # August's run charges the conversion; September's charges only the next cycle.
    e3_on_sale()
    _, moved_to = upgraded_on_20_august(shop, clock, pc_client)
    clock.move_to(datetime(2021, 9, 1, 0, 15, tzinfo=UTC))
    august_billed_in_full()
    clock.move_to(datetime(2021, 9, 1, 1, tzinfo=UTC))
    sync_all(pc_client)
    september_billed_in_full(clock)
    assert target_charges(target_of(moved_to)) == [
        ("convert", 4, CONVERTED, AUG_20, SEP_17, "2021-08"),
        ("cycleCharge", 4, Decimal("120.96"), SEP_18, OCT_17, "2021-09")]


def test_r4_billing_and_the_sync_again_add_nothing(shop, clock, pc_client):
    target = linked_after_august_was_billed(shop, clock, pc_client)
    september_billed_in_full(clock)
    nothing_added_again(pc_client, ("2021-08", "2021-09"), date(2021, 10, 1))
    assert [c[0] for c in target_charges(target)].count("convert") == 1


def test_b5_the_targets_history_states_what_the_run_charges_for_the_conversion(
        shop, clock, pc_client):
    # Before September's run the page prices the conversion as the run will; after it,
    # the ledger holds that figure.
    target = linked_after_august_was_billed(shop, clock, pc_client)
    promised = event_amounts(target)[conversion_event(target).id].amount
    september_billed_in_full(clock)
    db.session.expire_all()
    event = conversion_event(target)
    ledger = sum(c.amount for c in db.session.scalars(select(Charge).where(
        Charge.source.like(f"convert:{event.id}:%"))))
    assert promised == ledger == event_amounts(event.subscription)[event.id].amount \
        == CONVERTED
