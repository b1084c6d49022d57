"""R4 with B1: a sync pass in which Partner Center did not answer a known subscription's
transitions adds none of its tenant's new subscriptions (subscriptions.transition_reads).

Ten seats, 4 of them upgraded in Partner Center into a new Microsoft 365 E3 subscription:
the pass that cannot read the source's transitions leaves the source for the next pass,
and adopted the E3 subscription as a purchase of its own, which a run between the passes
charged (a cycle on its own dates, credited back once the next pass linked it). Nothing
tells that subscription from a purchase without the source's transitions, so it waits
too, and the next pass adopts it as the upgrade's: charged the conversion, never a
purchase. (tests/billing/test_r4_b1_subscriptions_adopted_upgraded_away.py: the same for
a source the sync adopts upgraded away.)
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from billing.runs import run_billing
from persistence import db
from subscriptions.models import Subscription
from subscriptions.sync import sync_all
from tests.billing.test_r4_upgrades_made_in_partner_center import (
    UPGRADED,
    bill_to_october,
    e3_on_sale,
    history,
    source_charges,
    ten_seats_seen_after_their_7_days,
    upgrade_history,
    upgrade_in_partner_center,
)

TRANSITIONS = "GET /v1/customers/*/subscriptions/*/transitions"


def row_of(pc_subscription_id: str) -> Subscription | None:
    db.session.expire_all()
    return db.session.scalar(select(Subscription).where(
        Subscription.pc_subscription_id == pc_subscription_id))


def test_r4_b1_the_upgrades_target_waits_with_its_source_and_is_never_charged_a_purchase(
        shop, clock, pc_client, pc_sandbox):
    e3_on_sale()
    sub = ten_seats_seen_after_their_7_days(shop, clock, pc_client)
    clock.move_to(UPGRADED)
    moved_to = upgrade_in_partner_center(pc_client, sub, 4)
    clock.move_to(datetime(2021, 8, 1, 10, tzinfo=UTC))
    pc_sandbox.add_fault(endpoint=TRANSITIONS, status=503, count=None)
    report = sync_all(pc_client)
    assert row_of(moved_to) is None and history(sub) == []  # both wait
    [(waited, times)] = report.waited.counts.items()
    assert times == 1 and sub.pc_subscription_id in waited
    clock.move_to(datetime(2021, 8, 1, 10, 30, tzinfo=UTC))
    run_billing("2021-08", date(2021, 8, 1))  # August in advance: nothing for E3
    pc_sandbox.faults.clear()
    clock.move_to(datetime(2021, 8, 1, 11, tzinfo=UTC))
    sync_all(pc_client)
    target = row_of(moved_to)
    assert upgrade_history(sub) == [(10, 6, target.id, None, False)]
    assert upgrade_history(target) == [(0, 4, None, sub.id, True)]
    clock.move_to(datetime(2021, 10, 31, 23, tzinfo=UTC))
    bill_to_october()
    assert [c[:2] + c[3:] for c in source_charges(target)] == [
        ("convert", 4, date(2021, 8, 1), date(2021, 8, 17)),
        ("cycleCharge", 4, date(2021, 8, 18), date(2021, 9, 17)),
        ("cycleCharge", 4, date(2021, 9, 18), date(2021, 10, 17)),
        ("cycleCharge", 4, date(2021, 10, 18), date(2021, 11, 17))]
