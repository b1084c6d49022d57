"""B1 with S3/B3: a subscription the storefront adopts from Partner Center already cancelled
there is charged no cycle after its cancellation, catches none up (billing.missed_cycles),
and is credited the cancellation where the storefront bills its cycles: bought while the
storefront held its customer, adopted by the hourly sync. Partner Center gives no date for
a cancellation and allows one only inside its window, so the adoption dates it the latest
moment it can have been made (subscriptions.adopted_cancelled). One imported, or brought
by a tenant its customer linked (K11), was billed elsewhere: charged nothing here.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from billing.event_amounts import event_amounts
from billing.runs import run_billing
from subscriptions.adoption import import_customers
from subscriptions.models import Subscription
from subscriptions.sync import sync_all
from tests.billing.conftest import nothing_added_again, only_event
from tests.billing.test_b1_subscriptions_seen_after_their_cycle_was_charged import (
    E3_MONTH,
    TENANT,
    adopted_after_august_was_billed,
    alpha_in_partner_center,
    bought_in_partner_center,
    charges_of,
)
from tests.billing.test_r4_target_linked_a_pass_later import (
    august_billed_in_full,
    september_billed_in_full,
    target_of,
)
from tests.billing.test_r4_upgrades_made_in_partner_center import e3_on_sale

# The cycle of 31 July (31 July – 30 August, 31 days) from 7 August on, 24 days: 30.24 ×
# 24 / 31 = 23.4116 a licence, × 4 licences cut to the cent.
FROM_7_AUGUST = Decimal("93.64")


def cancelled_in_partner_center(pc_client, pc_id: str, at: datetime, clock) -> None:
    clock.move_to(at)
    pc_client.update_subscription(TENANT, pc_id, status="deleted")


def adopted_a_month_after_its_cancellation(shop, clock, pc_client, pc_sandbox
                                           ) -> Subscription:
    """4 licences of E3 bought in Partner Center at 23:30 on 31 July and cancelled there on
    3 August, inside its window (to 23:30 on 7 August); E3 is not in the catalog until 1
    September, after July's and August's runs charged their months without it: the 00:30
    pass adopts it cancelled. The cancellation is dated the window's last moment."""
    alpha_in_partner_center(shop, pc_sandbox, e3_sold=False)
    clock.move_to(datetime(2021, 7, 31, 23, 30, tzinfo=UTC))
    bought = bought_in_partner_center(pc_sandbox, datetime(2021, 7, 31, 23, 30, tzinfo=UTC))
    clock.move_to(datetime(2021, 8, 1, 0, 15, tzinfo=UTC))
    run_billing("2021-07", date(2021, 8, 1))
    cancelled_in_partner_center(pc_client, bought, datetime(2021, 8, 3, 10, tzinfo=UTC),
                                clock)
    sync_all(pc_client)  # E3 is not sold here: nothing adopted
    assert target_of(bought) is None
    clock.move_to(datetime(2021, 9, 1, 0, 15, tzinfo=UTC))
    august_billed_in_full()
    e3_on_sale()
    clock.move_to(datetime(2021, 9, 1, 0, 30, tzinfo=UTC))
    sync_all(pc_client)
    return target_of(bought)


def october_billed_in_full(clock) -> None:
    clock.move_to(datetime(2021, 11, 1, 0, 15, tzinfo=UTC))
    run_billing("2021-10", date(2021, 11, 1))


def test_b1_s3_one_adopted_cancelled_catches_up_no_cycle_after_its_cancellation(
        shop, clock, pc_client, pc_sandbox):
    # September's run catches up the cycle of 31 July (July's and August's runs could not)
    # and credits it from 7 August; not the cycle of 31 August, nor any later one.
    sub = adopted_a_month_after_its_cancellation(shop, clock, pc_client, pc_sandbox)
    september_billed_in_full(clock)
    october_billed_in_full(clock)
    assert charges_of(sub) == [
        ("new", 4, E3_MONTH, date(2021, 7, 31), "2021-09"),
        ("cancelImmediate", -4, -FROM_7_AUGUST, date(2021, 8, 7), "2021-09")]


def test_b3_b5_its_history_states_the_credit_the_run_gives(shop, clock, pc_client,
                                                           pc_sandbox):
    sub = adopted_a_month_after_its_cancellation(shop, clock, pc_client, pc_sandbox)
    event = only_event(sub, "cancel")
    assert event.at.replace(tzinfo=UTC) == datetime(2021, 8, 7, 23, 29, 59, tzinfo=UTC)
    promised = event_amounts(event.subscription)[event.id].amount
    september_billed_in_full(clock)
    assert promised == -FROM_7_AUGUST == charges_of(sub)[-1][2]
    nothing_added_again(pc_client, ("2021-09",), date(2021, 10, 1))


def test_b1_s3_one_adopted_in_the_pass_that_finds_it_cancelled_is_credited_in_full(
        shop, clock, pc_client, pc_sandbox):
    # Bought at 09:05 on 10 September, cancelled at 09:40, adopted by the 10:00 pass: its
    # one cycle is charged and credited whole (inside 24 hours), no later one charged.
    alpha_in_partner_center(shop, pc_sandbox)
    clock.move_to(datetime(2021, 9, 10, 9, 5, tzinfo=UTC))
    bought = bought_in_partner_center(pc_sandbox, datetime(2021, 9, 10, 9, 5, tzinfo=UTC))
    cancelled_in_partner_center(pc_client, bought, datetime(2021, 9, 10, 9, 40, tzinfo=UTC),
                                clock)
    clock.move_to(datetime(2021, 9, 10, 10, tzinfo=UTC))
    sync_all(pc_client)
    september_billed_in_full(clock)
    october_billed_in_full(clock)
    assert charges_of(target_of(bought)) == [
        ("new", 4, E3_MONTH, date(2021, 9, 10), "2021-09"),
        ("cancelImmediate", -4, -E3_MONTH, date(2021, 9, 10), "2021-09")]


def test_b1_s3_one_cancelled_after_its_adoption_before_the_catch_up_run(
        shop, clock, pc_client, pc_sandbox):
    # Adopted at 00:30 on 1 September after August's run; cancelled in Partner Center at
    # 09:00 on 2 September, seen at 10:00; September's run catches up the cycle of 31 August
    # and credits it from 2 September, and charges no cycle of 30 September.
    sub = adopted_after_august_was_billed(shop, clock, pc_client, pc_sandbox)
    cancelled_in_partner_center(pc_client, sub.pc_subscription_id,
                                datetime(2021, 9, 2, 9, tzinfo=UTC), clock)
    clock.move_to(datetime(2021, 9, 2, 10, tzinfo=UTC))
    sync_all(pc_client)
    september_billed_in_full(clock)
    october_billed_in_full(clock)
    assert [c[:2] + c[3:] for c in charges_of(sub)] == [
        ("new", 4, date(2021, 8, 31), "2021-09"),
        ("cancelImmediate", -4, date(2021, 9, 2), "2021-09")]


def cancelled_in_june(pc_client, pc_sandbox, clock) -> str:
    """Bought in Partner Center at 08:00 on 10 June, cancelled there on 12 June."""
    clock.move_to(datetime(2021, 6, 10, 8, tzinfo=UTC))
    bought = bought_in_partner_center(pc_sandbox, datetime(2021, 6, 10, 8, tzinfo=UTC))
    cancelled_in_partner_center(pc_client, bought, datetime(2021, 6, 12, 8, tzinfo=UTC),
                                clock)
    clock.move_to(datetime(2021, 9, 1, 0, 15, tzinfo=UTC))
    august_billed_in_full()
    clock.move_to(datetime(2021, 9, 1, 0, 30, tzinfo=UTC))
    return bought


def test_b1_s3_an_imported_subscription_found_cancelled_is_charged_nothing(
        shop, clock, pc_client, pc_sandbox):
    # The import on 1 September brings the provider's base, billed elsewhere until then:
    # a subscription cancelled in June is charged no cycle from 10 September on.
    alpha_in_partner_center(shop, pc_sandbox)
    bought = cancelled_in_june(pc_client, pc_sandbox, clock)
    import_customers(pc_client)
    sync_all(pc_client)
    september_billed_in_full(clock)
    october_billed_in_full(clock)
    assert charges_of(target_of(bought)) == []


def test_b1_k11_s3_a_linked_tenants_subscription_found_cancelled_is_charged_nothing(
        shop, clock, pc_client, pc_sandbox):
    # The customer showed control of its tenant (K11) at 00:20 on 1 September; the sync
    # adopts what it had bought before, billed elsewhere, cancelled in June included.
    shop.customer_a.tenant_verified_at = datetime(2021, 9, 1, 0, 20, tzinfo=UTC)
    alpha_in_partner_center(shop, pc_sandbox)
    bought = cancelled_in_june(pc_client, pc_sandbox, clock)
    sync_all(pc_client)
    september_billed_in_full(clock)
    october_billed_in_full(clock)
    sub = target_of(bought)
    assert charges_of(sub) == []
    assert only_event(sub, "cancel").id not in event_amounts(sub)  # nothing stated either
