"""R4 with B3/B4: the subscription an upgrade made in Partner Center, adopted by the sync as
a purchase of its own before its source's upgrade was seen, and charged by a run as one
(`new`, on its own dates), is billed once for its seats when the conversion is seen.

Microsoft bills the move once, as the conversion on the subscription it made (`convert`,
from the upgrade's day to the end of the source's running cycle), then on the source's
dates. The run after the sync saw the conversion credits the cycle charged as a purchase
whole, as a credit note naming the invoice that charged it (B4), and charges the
conversion: the two lines Microsoft's reconciliation holds for that subscription, the
`new` cycle and its credit netting to nothing beside them (billing.matching).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import func, select

from billing.event_amounts import event_amounts
from billing.models import Charge, Invoice
from billing.reconciliation import reconcile
from billing.runs import run_billing
from persistence import db
from subscriptions.models import Subscription
from subscriptions.sync import sync_all
from tests.billing.conftest import only_event
from tests.billing.test_r4_upgrades_made_in_partner_center import (
    UPGRADED,
    e3_on_sale,
    listed_while_converting,
    source_charges,
    ten_seats_seen_after_their_7_days,
    upgrade_in_partner_center,
)

AUG_1, AUG_17, AUG_31 = date(2021, 8, 1), date(2021, 8, 17), date(2021, 8, 31)


def adopted_and_charged_before_the_upgrade_was_seen(shop, clock, pc_client,
                                                    pc_sandbox) -> Subscription:
    """4 seats upgraded on 1 August at 09:00; at 10:00 Partner Center still lists the
    source's 10 seats (the conversion still running there, completed at 10:20), so the
    sync adopts the E3 subscription as a purchase of its own; at 10:30 August is billed
    in advance (its `new` cycle, 1–31 August, invoiced); the sync sees the conversion at
    11:00."""
    e3_on_sale()
    sub = ten_seats_seen_after_their_7_days(shop, clock, pc_client)
    clock.move_to(UPGRADED)
    moved_to = upgrade_in_partner_center(pc_client, sub, 4)
    clock.move_to(datetime(2021, 8, 1, 10, tzinfo=UTC))
    with listed_while_converting(pc_sandbox, sub, datetime(2021, 8, 1, 10, 20, tzinfo=UTC)):
        sync_all(pc_client)
    target = db.session.scalar(select(Subscription).where(
        Subscription.pc_subscription_id == moved_to))
    clock.move_to(datetime(2021, 8, 1, 10, 30, tzinfo=UTC))
    run_billing("2021-08", AUG_1)
    assert source_charges(target) == [("new", 4, Decimal("120.96"), AUG_1, AUG_31)]
    clock.move_to(datetime(2021, 8, 1, 11, tzinfo=UTC))
    sync_all(pc_client)
    return target


def upgrade_event(target: Subscription):
    return only_event(target, "upgrade")


def test_r4_a_target_charged_as_a_purchase_before_its_upgrade_was_seen_is_charged_once(
        shop, clock, pc_client, pc_sandbox):
    target = adopted_and_charged_before_the_upgrade_was_seen(shop, clock, pc_client,
                                                             pc_sandbox)
    clock.move_to(datetime(2021, 9, 1, 0, 15, tzinfo=UTC))
    assert run_billing("2021-08", date(2021, 9, 1)).problems == ""
    # 30.24 / 31 × 17 days: 16.5832 a licence, × 4; the purchase's cycle given back whole
    assert source_charges(target) == [
        ("new", 4, Decimal("120.96"), AUG_1, AUG_31),
        ("convert", 4, Decimal("66.33"), AUG_1, AUG_17),
        ("new", -4, Decimal("-120.96"), AUG_1, AUG_31),
        ("cycleCharge", 4, Decimal("120.96"), date(2021, 8, 18), date(2021, 9, 17))]
    august = sum(c[2] for c in source_charges(target) if c[3] <= AUG_17)
    assert august == Decimal("66.33")  # what Microsoft bills for 1–17 August


def test_b4_the_purchase_cycle_credited_is_a_credit_note_naming_its_invoice(
        shop, clock, pc_client, pc_sandbox):
    target = adopted_and_charged_before_the_upgrade_was_seen(shop, clock, pc_client,
                                                             pc_sandbox)
    [invoiced] = db.session.scalars(select(Invoice).where(Invoice.kind == "invoice")).all()
    clock.move_to(datetime(2021, 9, 1, 0, 15, tzinfo=UTC))
    run_billing("2021-08", date(2021, 9, 1))
    [note] = db.session.scalars(select(Invoice).where(Invoice.kind == "credit_note")).all()
    assert note.corrects_invoice_id == invoiced.id
    assert [(ln.subscription_id, ln.charge_type, ln.amount) for ln in note.lines] == [
        (target.id, "new", Decimal("-120.96"))]


def test_r4_billing_and_the_sync_again_add_nothing(shop, clock, pc_client, pc_sandbox):
    target = adopted_and_charged_before_the_upgrade_was_seen(shop, clock, pc_client,
                                                             pc_sandbox)
    clock.move_to(datetime(2021, 9, 1, 0, 15, tzinfo=UTC))
    run_billing("2021-08", date(2021, 9, 1))
    charged = db.session.scalar(select(func.count(Charge.id)))
    sync_all(pc_client)
    again = run_billing("2021-08", date(2021, 9, 1))
    assert (again.charges_added, again.invoices_issued, again.credit_notes_issued) == (0, 0, 0)
    assert db.session.scalar(select(func.count(Charge.id))) == charged
    # the conversion and the next cycle, the purchase's cycle given back once
    assert sum(c[2] for c in source_charges(target)) == Decimal("66.33") + Decimal("120.96")


def test_b5_the_history_states_what_the_run_charges_for_the_conversion(
        shop, clock, pc_client, pc_sandbox):
    # Before the run the page prices the move as the run will; after it, reads the ledger:
    # the conversion less the purchase's cycle given back, 66.33 − 120.96.
    target = adopted_and_charged_before_the_upgrade_was_seen(shop, clock, pc_client,
                                                             pc_sandbox)
    event = upgrade_event(target)
    promised = event_amounts(event.subscription)[event.id].amount
    clock.move_to(datetime(2021, 9, 1, 0, 15, tzinfo=UTC))
    run_billing("2021-08", date(2021, 9, 1))
    event = upgrade_event(target)
    assert promised == event_amounts(event.subscription)[event.id].amount \
        == Decimal("-54.63")


def test_b6_microsofts_reconciliation_finds_each_of_its_lines_charged_and_nothing_more(
        shop, clock, pc_client, pc_sandbox, graph_client):
    # Microsoft bills the subscription the conversion (1–17 August) and the source's next
    # cycle (18 August): each meets our line of its type and period. The purchase's cycle
    # and its credit net to nothing and are not listed. (The scenes' prices are not the
    # sandbox's list prices: amounts differ, which is all the run may say.)
    target = adopted_and_charged_before_the_upgrade_was_seen(shop, clock, pc_client,
                                                             pc_sandbox)
    clock.move_to(datetime(2021, 9, 1, 0, 15, tzinfo=UTC))
    run_billing("2021-08", date(2021, 9, 1))
    clock.move_to(datetime(2021, 9, 10, 9, tzinfo=UTC))
    done = reconcile("2021-08", invoices=pc_client, exports=graph_client)
    found = [(i.charge_type, i.period_start, i.note.split(" ")[0]) for i in done.items
             if i.subscription_id == target.id]
    assert found == [("convert", AUG_1, "amount"),
                     ("cycleCharge", date(2021, 8, 18), "amount")]
