"""R4 with B2/B3: licences someone upgraded in Partner Center itself (a new-commerce
transition, not the storefront's upgrade page) are billed as Microsoft bills the
conversion, not as seats removed after their 7 days.

The hourly sync sees the source's count fall. Seats a completed Conversion moved out
(GET .../transitions, get-transitions) are the storefront's upgrade: credited on the source
from the transition's day to the end of its running charge cycle and charged there for
the seats left (`convert`, partner-center-api-2.md §4 Transitions, §5), as
tests/billing/test_upgrade_charges.py bills the shop's own. Only the rest of a decrease,
if any, is a removal (KEPT after its 7 days, S2/B3). Moved seats written as KEPT were
billed twice: on the source to the term's end and on the subscription they moved into.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from billing.charges import generate_charges
from billing.models import Charge
from connectors.partner_center import wire
from persistence import db
from subscriptions import upgrades
from subscriptions.models import Subscription
from subscriptions.sync import sync_all
from tests.billing.conftest import e3_in_germany, price_in, provisioned

UPGRADED = datetime(2021, 8, 1, 9, tzinfo=UTC)  # 17 of the cycle's 31 days left (1–17 Aug)


def upgrade_in_partner_center(pc_client, sub: Subscription, seats: int) -> str:
    """Someone upgrades `seats` licences in Partner Center, as its upgrade page does."""
    (offer,) = pc_client.get_transition_eligibilities(sub.tenant_id, sub.pc_subscription_id)
    return pc_client.create_transition(sub.tenant_id, sub.pc_subscription_id,
                                       offer.catalog_item_id, seats).to_subscription_id


@contextmanager
def listed_while_converting(pc_sandbox, sub: Subscription,
                            completes: datetime) -> Iterator[None]:
    """While the sync reads it, Partner Center lists the source with its seats as the
    mirror holds them beside the subscription the upgrade made: the conversion, "Started"
    when asked for, moves the seats when it completes, at `completes`, after that pass
    (the sandbox moves them at once). The source shows no change, so the pass reads no
    transitions of it."""
    record = pc_sandbox.data["subscriptions"][sub.pc_subscription_id]
    moved, record["wire"]["quantity"] = record["wire"]["quantity"], sub.quantity
    try:
        yield
    finally:
        record["wire"]["quantity"] = moved
        record["transitions"][-1]["events"][-1]["timestamp"] = wire.iso(completes)


def source_charges(sub: Subscription) -> list[tuple]:
    return [(c.charge_type, c.quantity, c.amount, c.period_start, c.period_end)
            for c in db.session.scalars(select(Charge).where(
                Charge.subscription_id == sub.id).order_by(Charge.period_start, Charge.id))]


def ten_seats_seen_after_their_7_days(shop, clock, pc_client) -> Subscription:
    """An annual term billed monthly, 10 seats from 18 June at 10.08 EUR; the hourly sync
    last saw the row on 20 July, its seats no longer refundable."""
    annual = price_in(shop, "DE", "EUR", erp="10.08", term="P1Y", cycle="monthly")
    sub = provisioned(shop.customer_a, shop.reseller_a_user, annual, 10, pc_client)
    clock.move_to(datetime(2021, 7, 20, 9, tzinfo=UTC))
    sync_all(pc_client)
    return sub


def upgraded_and_seen(shop, clock, pc_client, seats: int) -> tuple[Subscription, str]:
    """The ten seats, `seats` of them upgraded in Partner Center at 09:00 on 1 August and
    seen by the sync's pass at 10:00: the source and the id of the subscription made."""
    sub = ten_seats_seen_after_their_7_days(shop, clock, pc_client)
    clock.move_to(UPGRADED)
    moved_to = upgrade_in_partner_center(pc_client, sub, seats)
    clock.move_to(datetime(2021, 8, 1, 10, tzinfo=UTC))
    sync_all(pc_client)
    return sub, moved_to


def bill_to_october() -> None:
    for month, last in (("2021-06", date(2021, 6, 30)), ("2021-07", date(2021, 7, 31)),
                        ("2021-08", date(2021, 8, 31)), ("2021-09", date(2021, 9, 30)),
                        ("2021-10", date(2021, 10, 31))):
        generate_charges(month, last)


def history(sub: Subscription) -> list[tuple]:
    db.session.expire_all()
    return [(e.kind, e.data.get("before"), e.data.get("after"))
            for e in db.session.get(Subscription, sub.id).events
            if e.kind in ("upgrade", "quantity", "quantity_kept")]


def test_r4_licences_upgraded_in_partner_center_are_converted_not_kept(
        shop, clock, pc_client):
    # An annual term billed monthly, 10 seats from 18 June at 10.08; on 1 August, long
    # after their 7 days, 4 are upgraded in Partner Center. KEPT would bill the 10 to
    # June 2022; Microsoft credits the 10 for 1–17 August, charges the 6 left for them,
    # and bills 6 from then on (the 4 on the subscription they moved into).
    sub, _ = upgraded_and_seen(shop, clock, pc_client, 4)
    sync_all(pc_client)  # seen once
    clock.move_to(datetime(2021, 10, 31, 23, tzinfo=UTC))
    bill_to_october()
    aug_1, aug_17 = date(2021, 8, 1), date(2021, 8, 17)
    # 10.08 / 31 × 17 days: 5.527 a seat (persistence.money.prorate), −55.27 for the 10,
    # +33.16 for the 6, as the shop's own upgrade is billed
    assert source_charges(sub) == [
        ("new", 10, Decimal("100.80"), date(2021, 6, 18), date(2021, 7, 17)),
        ("cycleCharge", 10, Decimal("100.80"), date(2021, 7, 18), aug_17),
        ("convert", -10, Decimal("-55.27"), aug_1, aug_17),
        ("convert", 6, Decimal("33.16"), aug_1, aug_17),
        ("cycleCharge", 6, Decimal("60.48"), date(2021, 8, 18), date(2021, 9, 17)),
        ("cycleCharge", 6, Decimal("60.48"), date(2021, 9, 18), date(2021, 10, 17)),
        ("cycleCharge", 6, Decimal("60.48"), date(2021, 10, 18), date(2021, 11, 17))]
    assert history(sub) == [("upgrade", 10, 6)]


def test_r4_b3_only_the_seats_a_conversion_did_not_move_are_judged_as_removed(
        shop, clock, pc_client, pc_sandbox):
    # 4 upgraded and, besides, 1 removed (written straight into the sandbox: Partner
    # Center would refuse it after its 7 days) before the next sync: the 4 are converted,
    # only the 1 is KEPT, billed to the term's end on top of the 5 held.
    sub = ten_seats_seen_after_their_7_days(shop, clock, pc_client)
    clock.move_to(UPGRADED)
    upgrade_in_partner_center(pc_client, sub, 4)
    pc_sandbox.data["subscriptions"][sub.pc_subscription_id]["wire"]["quantity"] = 5
    clock.move_to(datetime(2021, 8, 1, 10, tzinfo=UTC))
    sync_all(pc_client)
    assert history(sub) == [("upgrade", 10, 6), ("quantity_kept", 6, 5)]
    clock.move_to(datetime(2021, 10, 31, 23, tzinfo=UTC))
    bill_to_october()
    assert [(kind, seats, start) for kind, seats, _, start, _ in source_charges(sub)
            if kind != "convert"][2:] == [("cycleCharge", 6, date(2021, 8, 18)),
                                          ("cycleCharge", 6, date(2021, 9, 18)),
                                          ("cycleCharge", 6, date(2021, 10, 18))]


def test_r4_a_subscription_wholly_upgraded_in_partner_center_is_converted_not_cancelled(
        shop, clock, pc_client):
    # Every seat upgraded after the cancellation window: Partner Center leaves the source
    # without seats (the sandbox cancels it). Not an uncredited cancellation billed to the
    # term's end: the 10 are credited for 1–17 August and the source bills nothing after.
    sub, _ = upgraded_and_seen(shop, clock, pc_client, 10)
    clock.move_to(datetime(2021, 10, 31, 23, tzinfo=UTC))
    bill_to_october()
    assert [c[:3] for c in source_charges(sub)] == [
        ("new", 10, Decimal("100.80")), ("cycleCharge", 10, Decimal("100.80")),
        ("convert", -10, Decimal("-55.27"))]
    assert history(sub) == [("upgrade", 10, 0)]


def test_r4_the_subscription_an_upgrade_in_partner_center_made_is_billed_as_the_shops_target(
        shop, clock, pc_client):
    # The sync adopts the E3 subscription the 4 seats moved into, coterminous with its
    # source: its first charge the conversion for 1–17 August, then the source's monthly
    # cycles of its year (18 August, …), never a purchase of its own on 1 August.
    e3_in_germany()
    sub, moved_to = upgraded_and_seen(shop, clock, pc_client, 4)
    sync_all(pc_client)
    clock.move_to(datetime(2021, 10, 31, 23, tzinfo=UTC))
    bill_to_october()
    target = db.session.scalar(select(Subscription).where(
        Subscription.pc_subscription_id == moved_to))
    assert target.term_end == sub.term_end  # coterminous with its source
    aug_1, aug_17 = date(2021, 8, 1), date(2021, 8, 17)
    # 30.24 / 31 × 17 days: 16.583 a licence, × 4
    assert source_charges(target) == [
        ("convert", 4, Decimal("66.33"), aug_1, aug_17),
        ("cycleCharge", 4, Decimal("120.96"), date(2021, 8, 18), date(2021, 9, 17)),
        ("cycleCharge", 4, Decimal("120.96"), date(2021, 9, 18), date(2021, 10, 17)),
        ("cycleCharge", 4, Decimal("120.96"), date(2021, 10, 18), date(2021, 11, 17))]
    [upgrade] = [e for e in sub.events if e.kind == "upgrade"]
    assert upgrade.data["to"] == target.id  # the order page lists both (upgraded_into)


def test_r4_the_shops_own_upgrade_is_not_seen_again_as_one_made_in_partner_center(
        shop, clock, pc_client, pc_sandbox):
    # The storefront upgrades 4 seats and records it; Partner Center completes the
    # Conversion only after the shop's read of the row (as it may: the transition's answer
    # says "Started"). When the sync next reads the row's transitions (1 seat removed
    # besides), that Conversion is the shop's, recorded already: not a second upgrade.
    e3_in_germany()
    sub = ten_seats_seen_after_their_7_days(shop, clock, pc_client)
    clock.move_to(UPGRADED)
    (offer,) = upgrades.eligible(sub, pc_client)
    upgrades.upgrade_now(sub, offer.catalog_item_id, 4, shop.reseller_a_user, pc_client)
    sub.synced_at = UPGRADED - timedelta(hours=1)  # read before the Conversion completed
    db.session.commit()
    pc_sandbox.data["subscriptions"][sub.pc_subscription_id]["wire"]["quantity"] = 5
    clock.move_to(datetime(2021, 8, 1, 10, tzinfo=UTC))
    sync_all(pc_client)
    assert history(sub) == [("upgrade", 10, 6), ("quantity_kept", 6, 5)]


def e3_held_since_18_june(shop, pc_client, seats: int = 2) -> Subscription:
    """Microsoft 365 E3, an annual term billed monthly at 30.24 EUR, bought the same day as
    the ten seats of Business Standard (coterminous with them: an eligible upgrade target)."""
    e3 = e3_in_germany()
    db.session.commit()
    return provisioned(shop.customer_a, shop.reseller_a_user, e3, seats, pc_client)


def test_r4_seats_upgraded_in_partner_center_into_a_subscription_held_are_converted_there(
        shop, clock, pc_client):
    # The E3 subscription the shop sold (2 seats, listed before the source) receives 4
    # seats upgraded in Partner Center on 1 August. Microsoft bills the move on it as the
    # conversion (`convert`: the 2 refunded and the 6 charged for 1–17 August), as the
    # shop's own upgrade into a subscription held is billed, not as seats added there.
    target = e3_held_since_18_june(shop, pc_client)
    sub = ten_seats_seen_after_their_7_days(shop, clock, pc_client)
    clock.move_to(UPGRADED)
    (offer,) = pc_client.get_transition_eligibilities(sub.tenant_id, sub.pc_subscription_id)
    pc_client.create_transition(sub.tenant_id, sub.pc_subscription_id, offer.catalog_item_id,
                                4, to_subscription_id=target.pc_subscription_id)
    clock.move_to(datetime(2021, 8, 1, 10, tzinfo=UTC))
    sync_all(pc_client)
    sync_all(pc_client)  # seen once
    clock.move_to(datetime(2021, 10, 31, 23, tzinfo=UTC))
    bill_to_october()
    aug_1, aug_17 = date(2021, 8, 1), date(2021, 8, 17)
    # 30.24 / 31 × 17 days: 16.5832 a licence (cut to 4 places); × 2 refunded, × 6 charged
    assert source_charges(target)[2:4] == [
        ("convert", -2, Decimal("-33.16"), aug_1, aug_17),
        ("convert", 6, Decimal("99.49"), aug_1, aug_17)]
    assert [c[:2] for c in source_charges(target)[4:]] == [("cycleCharge", 6)] * 3
    assert history(target) == [("upgrade", 2, 6)]
    [upgrade] = [e for e in db.session.get(Subscription, sub.id).events if e.kind == "upgrade"]
    assert upgrade.data["to"] == target.id
    [moved_in] = [e for e in db.session.get(Subscription, target.id).events
                  if e.kind == "upgrade"]
    assert moved_in.data["from"] == sub.id and "anchor" not in moved_in.data


def e3_on_sale() -> None:
    e3_in_germany()
    db.session.commit()


def upgrade_history(sub: Subscription) -> list[tuple]:
    db.session.expire_all()
    return [(e.data.get("before"), e.data.get("after"), e.data.get("to"), e.data.get("from"),
             "anchor" in e.data) for e in db.session.get(Subscription, sub.id).events
            if e.kind == "upgrade"]


def test_r4_two_upgrades_into_one_new_subscription_seen_in_one_pass_are_both_its_own(
        shop, clock, pc_client, pc_sandbox):
    # 4 seats upgraded on 1 August make an E3 subscription; 2 more move into it on 9 August
    # (past its 7 days), and the sync sees both at once. Each move is the conversion: the 4
    # charged for 1–17 August, the 4 → 6 for 9–17 August, then 6 on the source's dates;
    # both source records name the new row. Linking only the last billed 2 from 9 August.
    e3_on_sale()
    sub = ten_seats_seen_after_their_7_days(shop, clock, pc_client)
    clock.move_to(UPGRADED)
    moved_to = upgrade_in_partner_center(pc_client, sub, 4)
    clock.move_to(datetime(2021, 8, 9, 10, tzinfo=UTC))
    (offer,) = pc_client.get_transition_eligibilities(sub.tenant_id, sub.pc_subscription_id)
    pc_client.create_transition(sub.tenant_id, sub.pc_subscription_id, offer.catalog_item_id,
                                2, to_subscription_id=moved_to)
    clock.move_to(datetime(2021, 8, 9, 11, tzinfo=UTC))
    sync_all(pc_client)
    sync_all(pc_client)  # seen once
    clock.move_to(datetime(2021, 10, 31, 23, tzinfo=UTC))
    bill_to_october()
    target = db.session.scalar(select(Subscription).where(
        Subscription.pc_subscription_id == moved_to))
    assert upgrade_history(sub) == [(10, 6, target.id, None, False),
                                    (6, 4, target.id, None, False)]
    assert upgrade_history(target) == [(0, 4, None, sub.id, True), (4, 6, None, sub.id, False)]
    aug_1, aug_9, aug_17 = date(2021, 8, 1), date(2021, 8, 9), date(2021, 8, 17)
    # 30.24 / 31 × 9 days: 8.7793 a licence
    assert source_charges(target) == [
        ("convert", 4, Decimal("66.33"), aug_1, aug_17),
        ("convert", -4, Decimal("-35.11"), aug_9, aug_17),
        ("convert", 6, Decimal("52.67"), aug_9, aug_17),
        ("cycleCharge", 6, Decimal("181.44"), date(2021, 8, 18), date(2021, 9, 17)),
        ("cycleCharge", 6, Decimal("181.44"), date(2021, 9, 18), date(2021, 10, 17)),
        ("cycleCharge", 6, Decimal("181.44"), date(2021, 10, 18), date(2021, 11, 17))]


def test_r4_a_subscription_adopted_before_its_sources_upgrade_was_seen_becomes_its_target(
        shop, clock, pc_client, pc_sandbox):
    # The first pass after the upgrade reads the source's ten seats in Partner Center's
    # list (the conversion still running there, completed at 10:30) beside the E3
    # subscription, adopted as a purchase of its own. When the next pass sees the
    # conversion, that row is its target: billed as the conversion for 1–17 August and on
    # the source's dates, never a purchase on 1 August. (A pass whose transitions read
    # went unanswered adopts no new subscription at all: subscriptions.transition_reads.)
    e3_on_sale()
    sub = ten_seats_seen_after_their_7_days(shop, clock, pc_client)
    clock.move_to(UPGRADED)
    moved_to = upgrade_in_partner_center(pc_client, sub, 4)
    clock.move_to(datetime(2021, 8, 1, 10, tzinfo=UTC))
    with listed_while_converting(pc_sandbox, sub, datetime(2021, 8, 1, 10, 30, tzinfo=UTC)):
        sync_all(pc_client)
    target = db.session.scalar(select(Subscription).where(
        Subscription.pc_subscription_id == moved_to))
    assert target is not None and history(sub) == []  # adopted; the source unchanged
    clock.move_to(datetime(2021, 8, 1, 11, tzinfo=UTC))
    sync_all(pc_client)
    sync_all(pc_client)
    clock.move_to(datetime(2021, 10, 31, 23, tzinfo=UTC))
    bill_to_october()
    assert upgrade_history(sub) == [(10, 6, target.id, None, False)]
    assert upgrade_history(target) == [(0, 4, None, sub.id, True)]
    assert [c[:2] + c[3:] for c in source_charges(target)] == [
        ("convert", 4, date(2021, 8, 1), date(2021, 8, 17)),
        ("cycleCharge", 4, date(2021, 8, 18), date(2021, 9, 17)),
        ("cycleCharge", 4, date(2021, 9, 18), date(2021, 10, 17)),
        ("cycleCharge", 4, date(2021, 10, 18), date(2021, 11, 17))]
