"""B2/B3 with R1: a seat change made in Partner Center before a renewal of a one-month term,
and seen by the hourly sync only after that renewal, is billed: the old term's rest from
the change, and the renewed cycle at the count Partner Center renewed, once.

The sync reads the count the renewal renewed in refundableQuantity: the renewal restarts
every seat's 7 days (partner-center-api-2.md §4), so the tranche whose window opened when
the new term began holds the renewal's seats, and seats added after it are tranches of
their own. A count the renewal renewed that is neither the one last seen nor the one
scheduled for it (a mid-term change deletes the schedule) was changed before the renewal:
judged as any change seen (added, removed within its 7 days), dated the old term's last
moment at the latest, since the renewal took the change's own tranche. Before this, the
whole new count was read as the renewal's, and the provider paid Microsoft for the change
(the old term's rest, and the new count for the renewed cycle) but billed nothing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import func, select

from billing.event_amounts import event_amounts
from billing.models import Charge
from billing.runs import run_billing
from persistence import as_utc, db
from subscriptions import renewals
from subscriptions.models import Subscription
from subscriptions.renewal_rules import NextTermChange
from subscriptions.sync import sync_all
from tests.billing.conftest import price_in, provisioned
from tests.conftest import make_price

JUNE_30, JULY_1, JULY_31 = date(2021, 6, 30), date(2021, 7, 1), date(2021, 7, 31)


def charges(month: str) -> list[tuple]:
    return [(c.charge_type, c.quantity, c.amount, c.period_start, c.period_end)
            for c in db.session.scalars(select(Charge).where(Charge.billing_month == month)
                                        .order_by(Charge.id))]


def one_month_term_seen_on_20_june(shop, clock, pc_client) -> Subscription:
    """Ten seats of a one-month term billed monthly, bought 1 June at EUR 10.08 (its term
    1–30 June, renewed at 00:00 on 1 July); the sync last saw it on 20 June."""
    clock.move_to(datetime(2021, 6, 1, 9, tzinfo=UTC))
    monthly = price_in(shop, "DE", "EUR", erp="10.08")
    sub = provisioned(shop.customer_a, shop.reseller_a_user, monthly, 10, pc_client)
    clock.move_to(datetime(2021, 6, 20, 9, tzinfo=UTC))
    sync_all(pc_client)
    return sub


def renewal_billed_then_seen(clock, pc_client) -> None:
    """June billed and July in advance at 00:15 on 1 July (the renewal's cycle charged at
    the count the mirror held); the sync, down since 20 June, sees the row on 2 July."""
    clock.move_to(datetime(2021, 7, 1, 0, 15, tzinfo=UTC))
    run_billing("2021-06", JULY_1)
    run_billing("2021-07", JULY_1)
    clock.move_to(datetime(2021, 7, 2, 9, tzinfo=UTC))
    sync_all(pc_client)


def raised_to_15_on_28_june_and_renewal_seen(shop, clock, pc_client) -> Subscription:
    """one_month_term_seen_on_20_june, raised to 15 seats in Partner Center on 28 June and
    seen by the sync on 2 July, after July's cycle was charged at 10."""
    sub = one_month_term_seen_on_20_june(shop, clock, pc_client)
    clock.move_to(datetime(2021, 6, 28, 9, tzinfo=UTC))
    pc_client.update_subscription(sub.tenant_id, sub.pc_subscription_id, quantity=15)
    renewal_billed_then_seen(clock, pc_client)
    return sub


def seen_events(sub: Subscription) -> list:
    db.session.expire_all()
    return [e for e in db.session.get(Subscription, sub.id).events
            if (e.data or {}).get("seen_in") == "partner_center"]


def test_b2_licences_added_before_a_renewal_and_seen_after_it_are_charged_once(
        shop, clock, pc_client):
    # 5 added in Partner Center on 28 June; renewed with 15 on 1 July, after July's cycle
    # was charged at 10. August's run charges the old term's last day for them (the latest
    # the addition can have been) and July's whole cycle: 15 seats in July, as Microsoft.
    sub = raised_to_15_on_28_june_and_renewal_seen(shop, clock, pc_client)
    clock.move_to(datetime(2021, 8, 1, 0, 15, tzinfo=UTC))
    assert run_billing("2021-07", date(2021, 8, 1)).problems == ""
    # 10.08 / 30 days × 1 day: 0.336 a seat
    assert charges("2021-07") == [
        ("renew", 10, Decimal("100.80"), JULY_1, JULY_31),
        ("addQuantity", -10, Decimal("-3.36"), JUNE_30, JUNE_30),
        ("addQuantity", 15, Decimal("5.04"), JUNE_30, JUNE_30),
        ("addQuantity", -10, Decimal("-100.80"), JULY_1, JULY_31),
        ("addQuantity", 15, Decimal("151.20"), JULY_1, JULY_31)]
    [event] = seen_events(sub)
    assert (event.data["before"], event.data["after"]) == (10, 15)
    assert event.data["seen_at"] == "2021-07-02T09:00:00+00:00"
    assert "before the renewal on 2021-07-01" in event.note


def test_b2_run_and_sync_again_add_nothing(shop, clock, pc_client):
    sub = raised_to_15_on_28_june_and_renewal_seen(shop, clock, pc_client)
    clock.move_to(datetime(2021, 8, 1, 0, 15, tzinfo=UTC))
    run_billing("2021-07", date(2021, 8, 1))
    charged = db.session.scalar(select(func.count(Charge.id)))
    sync_all(pc_client)
    assert run_billing("2021-07", date(2021, 8, 1)).charges_added == 0
    assert db.session.scalar(select(func.count(Charge.id))) == charged
    assert len(seen_events(sub)) == 1
    assert sum(c[1] for c in charges("2021-07") if c[3] == JULY_1) == 15


def test_b3_licences_removed_in_their_7_days_before_a_renewal_are_credited_once(
        shop, clock, pc_client):
    # 5 added through the shop on 25 June (refundable to 2 July 09:00) and removed in
    # Partner Center on the 28th; renewed with 10; July's cycle was charged at 15. The
    # removal is credited from the old term's last day and for July's whole cycle.
    sub = one_month_term_seen_on_20_june(shop, clock, pc_client)
    clock.move_to(datetime(2021, 6, 25, 9, tzinfo=UTC))
    provisioned(shop.customer_a, shop.reseller_a_user, sub.order_line.price, 5, pc_client,
                add_to=sub)
    sync_all(pc_client)
    clock.move_to(datetime(2021, 6, 28, 9, tzinfo=UTC))
    pc_client.update_subscription(sub.tenant_id, sub.pc_subscription_id, quantity=10)
    renewal_billed_then_seen(clock, pc_client)
    clock.move_to(datetime(2021, 8, 1, 0, 15, tzinfo=UTC))
    assert run_billing("2021-07", date(2021, 8, 1)).problems == ""  # credit notes (B4)
    assert charges("2021-07")[1:] == [
        ("removeQuantity", -15, Decimal("-5.04"), JUNE_30, JUNE_30),
        ("removeQuantity", 10, Decimal("3.36"), JUNE_30, JUNE_30),
        ("removeQuantity", -15, Decimal("-151.20"), JULY_1, JULY_31),
        ("removeQuantity", 10, Decimal("100.80"), JULY_1, JULY_31)]


def test_b2_licences_added_after_the_renewal_seen_with_it_are_charged_from_their_day(
        shop, clock, pc_client):
    # Renewed with the 10 on 1 July; 5 added in Partner Center on 3 July, their own
    # tranche; the sync sees both on the 4th: the renewal's count is the 10, the 5 are
    # charged from 3 July (29 of July's 31 days), not read as the renewal's.
    sub = one_month_term_seen_on_20_june(shop, clock, pc_client)
    clock.move_to(datetime(2021, 7, 1, 0, 15, tzinfo=UTC))
    run_billing("2021-06", JULY_1)
    run_billing("2021-07", JULY_1)
    clock.move_to(datetime(2021, 7, 3, 9, tzinfo=UTC))
    pc_client.update_subscription(sub.tenant_id, sub.pc_subscription_id, quantity=15)
    clock.move_to(datetime(2021, 7, 4, 9, tzinfo=UTC))
    sync_all(pc_client)
    clock.move_to(datetime(2021, 8, 1, 0, 15, tzinfo=UTC))
    run_billing("2021-07", date(2021, 8, 1))
    july_3 = date(2021, 7, 3)
    # 10.08 / 31 × 29 days: 9.4297 a seat
    assert charges("2021-07")[1:] == [
        ("addQuantity", -10, Decimal("-94.29"), july_3, JULY_31),
        ("addQuantity", 15, Decimal("141.44"), july_3, JULY_31)]


def test_r1_seats_the_renewal_applied_from_its_schedule_are_the_renewals_own(
        shop, clock, pc_client, agent):
    # 12 seats scheduled for the next term: the renewal's count, charged by its own cycle,
    # not a change made before it.
    sub = one_month_term_seen_on_20_june(shop, clock, pc_client)
    renewals.schedule(sub, NextTermChange(12, "P1M", "monthly"), agent, pc_client)
    db.session.commit()
    clock.move_to(datetime(2021, 7, 2, 9, tzinfo=UTC))
    sync_all(pc_client)
    assert db.session.get(Subscription, sub.id).quantity == 12
    assert seen_events(sub) == []


def test_b5_the_history_states_what_the_run_charges_for_a_change_before_the_renewal(
        shop, clock, pc_client):
    sub = raised_to_15_on_28_june_and_renewal_seen(shop, clock, pc_client)
    [event] = seen_events(sub)
    promised = event_amounts(event.subscription)[event.id].amount
    clock.move_to(datetime(2021, 8, 1, 0, 15, tzinfo=UTC))
    run_billing("2021-07", date(2021, 8, 1))
    [event] = seen_events(sub)
    invoiced = sum(c[2] for c in charges("2021-07")[1:])
    assert promised == invoiced == event_amounts(event.subscription)[event.id].amount \
        == Decimal("52.08")


def test_r4_licences_upgraded_before_a_renewal_seen_after_it_are_the_conversion(
        shop, clock, pc_client):
    # 4 of the 10 upgraded in Partner Center to Microsoft 365 E3 on 28 June, after their
    # 7 days; renewed with 6. The sync reads the transitions of a row a renewal changed too:
    # the 4 are the conversion (R4), not licences removed after their window and billed on.
    make_price(title="Microsoft 365 E3", product_id="CFQ7TTC0LFLZ", family="microsoft365",
               market="DE", currency="EUR", cost="24.192", erp="30.24")
    db.session.commit()
    sub = one_month_term_seen_on_20_june(shop, clock, pc_client)
    clock.move_to(datetime(2021, 6, 28, 9, tzinfo=UTC))
    (offer,) = pc_client.get_transition_eligibilities(sub.tenant_id, sub.pc_subscription_id)
    pc_client.create_transition(sub.tenant_id, sub.pc_subscription_id,
                                offer.catalog_item_id, 4)
    clock.move_to(datetime(2021, 7, 2, 9, tzinfo=UTC))
    sync_all(pc_client)
    [upgrade] = seen_events(sub)
    assert (upgrade.kind, upgrade.data["before"], upgrade.data["after"]) == ("upgrade", 10, 6)
    assert as_utc(upgrade.at) == datetime(2021, 6, 28, 9, tzinfo=UTC)
    target = db.session.scalar(select(Subscription).where(
        Subscription.title == "Microsoft 365 E3"))
    assert upgrade.data["to"] == target.id  # billed as the subscription the upgrade made
