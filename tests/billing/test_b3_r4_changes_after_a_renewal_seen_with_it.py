"""B3/R4 with R1: seats removed or upgraded in Partner Center after a renewal, and seen by
the hourly sync in the same pass as the renewal, are the new term's changes, not a smaller
renewal with the difference removed in the old term.

The renewal restarts every seat's 7 days, so the tranche of refundableQuantity opened when
the new term began shows the renewal's seats less any removed or moved from it since
(subscriptions.seen_at_renewal). Partner Center tells the two apart where it can:

- an upgrade: its transition says when the Conversion completed (after the renewal);
- a removal: Partner Center refuses a decrease of seats past their 7 days (800090), so
  seats the old term no longer held refundable at its end were removed after the renewal,
  inside the renewal's own window (credited, B3), not KEPT on the old term.

Before this, both were read as a smaller renewal and the decrease as made before it: KEPT
without credit in the old term, the renewal's cycle charged (by a run before the sync) at
the seats Partner Center renewed, and the subscription an upgrade made billed as a
purchase of its own.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import func, select

from billing.models import Charge
from billing.runs import run_billing
from persistence import db
from subscriptions.models import Subscription
from subscriptions.sync import sync_all
from tests.billing.test_b2_b3_changes_before_a_renewal_seen_after_it import (
    JULY_1,
    JULY_31,
    one_month_term_seen_on_20_june,
)
from tests.conftest import make_price

JULY_2 = date(2021, 7, 2)


def renewal_billed_then_changed(shop, clock, pc_client) -> Subscription:
    """Ten seats of a one-month term (1–30 June, bought 1 June, long past their 7 days),
    renewed at 00:00 on 1 July; June billed and July in advance at 00:15 (July's cycle
    charged at the 10)."""
    sub = one_month_term_seen_on_20_june(shop, clock, pc_client)
    clock.move_to(datetime(2021, 7, 1, 0, 15, tzinfo=UTC))
    run_billing("2021-06", JULY_1)
    run_billing("2021-07", JULY_1)
    clock.move_to(datetime(2021, 7, 1, 9, tzinfo=UTC))
    return sub


def seen_with_the_renewal_and_july_billed(clock, pc_client) -> None:
    """The sync, down since 20 June, sees the row at 09:00 on 2 July; July billed on 1
    August."""
    clock.move_to(datetime(2021, 7, 2, 9, tzinfo=UTC))
    sync_all(pc_client)
    clock.move_to(datetime(2021, 8, 1, 0, 15, tzinfo=UTC))
    assert run_billing("2021-07", date(2021, 8, 1)).problems == ""  # credit notes (B4)


def charges_of(sub_id: int) -> list[tuple]:
    return [(c.charge_type, c.quantity, c.amount, c.period_start, c.period_end)
            for c in db.session.scalars(select(Charge).where(
                Charge.subscription_id == sub_id).order_by(Charge.id))]


def history(sub: Subscription) -> list[tuple]:
    db.session.expire_all()
    return [(e.kind, e.data.get("before"), e.data.get("after"))
            for e in db.session.get(Subscription, sub.id).events
            if e.kind in ("upgrade", "quantity", "quantity_kept")]


def upgrade_four(sub: Subscription, pc_client) -> None:
    """4 of the 10 upgraded in Partner Center to Microsoft 365 E3 (a one-month term at
    30.24 EUR here), making a subscription of its own."""
    make_price(title="Microsoft 365 E3", product_id="CFQ7TTC0LFLZ", family="microsoft365",
               market="DE", currency="EUR", cost="24.192", erp="30.24")
    db.session.commit()
    (offer,) = pc_client.get_transition_eligibilities(sub.tenant_id, sub.pc_subscription_id)
    pc_client.create_transition(sub.tenant_id, sub.pc_subscription_id,
                                offer.catalog_item_id, 4)


def test_r4_licences_upgraded_after_a_renewal_seen_with_it_are_the_new_terms_conversion(
        shop, clock, pc_client):
    # Upgraded at 09:00 on 1 July, after the renewal of the 10. Microsoft: the renewal's 10
    # for July, the conversion −10/+6 for July on the source, 4 on the subscription made.
    sub = renewal_billed_then_changed(shop, clock, pc_client)
    upgrade_four(sub, pc_client)
    seen_with_the_renewal_and_july_billed(clock, pc_client)
    assert history(sub) == [("upgrade", 10, 6)]
    assert charges_of(sub.id)[1:] == [
        ("renew", 10, Decimal("100.80"), JULY_1, JULY_31),
        ("convert", -10, Decimal("-100.80"), JULY_1, JULY_31),
        ("convert", 6, Decimal("60.48"), JULY_1, JULY_31)]
    target = db.session.scalar(select(Subscription).where(
        Subscription.title == "Microsoft 365 E3"))
    assert charges_of(target.id) == [("convert", 4, Decimal("120.96"), JULY_1, JULY_31)]


def test_b3_licences_removed_in_the_renewals_7_days_seen_with_it_are_credited_in_its_term(
        shop, clock, pc_client):
    # 4 removed at 09:00 on 1 July, in the renewal's 7 days: the old term had no seat left
    # to remove (Partner Center refuses, 800090), so the renewal renewed the 10. Credited
    # for July from the sync's pass (Partner Center gives no date for a removal), not
    # KEPT on the old term with July charged at 10.
    sub = renewal_billed_then_changed(shop, clock, pc_client)
    pc_client.update_subscription(sub.tenant_id, sub.pc_subscription_id, quantity=6)
    seen_with_the_renewal_and_july_billed(clock, pc_client)
    assert history(sub) == [("quantity", 10, 6)]
    # 10.08 / 31 × 30 days: 9.7548 a seat
    assert charges_of(sub.id)[1:] == [
        ("renew", 10, Decimal("100.80"), JULY_1, JULY_31),
        ("removeQuantity", -10, Decimal("-97.54"), JULY_2, JULY_31),
        ("removeQuantity", 6, Decimal("58.52"), JULY_2, JULY_31)]


def test_b3_r4_the_sync_and_billing_again_add_nothing(shop, clock, pc_client):
    sub = renewal_billed_then_changed(shop, clock, pc_client)
    upgrade_four(sub, pc_client)
    seen_with_the_renewal_and_july_billed(clock, pc_client)
    charged = db.session.scalar(select(func.count(Charge.id)))
    sync_all(pc_client)
    assert run_billing("2021-07", date(2021, 8, 1)).charges_added == 0
    assert db.session.scalar(select(func.count(Charge.id))) == charged
    assert history(sub) == [("upgrade", 10, 6)]

