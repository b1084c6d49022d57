"""B1 with R4: a subscription the storefront learnt of only after a run charged the month
holding one of its charge cycles has that cycle charged once, by the run of the month it was
learnt of (billing.missed_cycles): one the hourly sync adopts, and the subscription an
upgrade made in Partner Center that a later pass links. An import's subscriptions, bought
before the storefront billed anything, keep their earlier cycles uncharged.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select

from billing.event_amounts import event_amounts
from billing.models import Charge
from billing.reconciliation import reconcile
from connectors.partner_center.sandbox import bulk, seed
from persistence import db
from subscriptions.adoption import import_customers
from subscriptions.models import Subscription
from subscriptions.sync import sync_all
from tests.billing.conftest import e3_in_germany, nothing_added_again, only_event
from tests.billing.test_r4_target_linked_a_pass_later import (
    august_billed_in_full,
    september_billed_in_full,
    target_charges,
    target_of,
)
from tests.billing.test_r4_upgrades_made_in_partner_center import (
    UPGRADED,
    e3_on_sale,
    ten_seats_seen_after_their_7_days,
    upgrade_in_partner_center,
)
from tests.conftest import move_to

E3 = "CFQ7TTC0LFLZ:0001:CFQ7TTC0K8QN"
TENANT = "7a1f0c3e-2b4d-4e6f-8a9b-0c1d2e3f4b01"
E3_MONTH = Decimal("120.96")  # 4 licences × 30.24, one month of a year billed monthly


def alpha_in_partner_center(shop, pc_sandbox, *, e3_sold: bool = True) -> None:
    """Customer A's tenant in Partner Center, under reseller A; E3 sold at German prices
    (unless `e3_sold` is False: the catalog lacks it until `e3_on_sale`)."""
    with pc_sandbox.lock:
        bulk.add_customer(pc_sandbox, TENANT, "alphagmbh.onmicrosoft.com", "Alpha GmbH",
                          reseller_tenant=seed.RESELLER_TENANT_ID, city="Berlin",
                          country="DE", postal_code="10117")
    shop.customer_a.tenant_id = TENANT
    # Created here on 1 June with a tenant made for it: the storefront bills what it buys.
    shop.customer_a.created_at = datetime(2021, 6, 1, tzinfo=UTC)
    move_to(shop.customer_a, "DE")  # C7: the market of the prices
    if e3_sold:
        e3_in_germany()
    db.session.commit()


def bought_in_partner_center(pc_sandbox, at: datetime) -> str:
    """4 licences of E3 (one-year term billed monthly) bought in Partner Center at `at`."""
    with pc_sandbox.lock:
        record = bulk.add_subscription(pc_sandbox, TENANT, bulk.Plan(E3, "P1Y", "monthly", 10000),
                                       4, seed.RESELLER_MPN_ID, at)
    return record["wire"]["id"]


def adopted_after_august_was_billed(shop, clock, pc_client, pc_sandbox) -> Subscription:
    """Bought at 23:30 on 31 August; the sync down until 00:30 on 1 September; August
    billed in full at 00:15."""
    alpha_in_partner_center(shop, pc_sandbox)
    clock.move_to(datetime(2021, 8, 31, 23, 30, tzinfo=UTC))
    bought = bought_in_partner_center(pc_sandbox, datetime(2021, 8, 31, 23, 30, tzinfo=UTC))
    clock.move_to(datetime(2021, 9, 1, 0, 15, tzinfo=UTC))
    august_billed_in_full()
    clock.move_to(datetime(2021, 9, 1, 0, 30, tzinfo=UTC))
    sync_all(pc_client)
    return target_of(bought)


def charges_of(sub: Subscription) -> list[tuple]:
    return [(c.charge_type, c.quantity, c.amount, c.period_start, c.billing_month)
            for c in db.session.scalars(select(Charge).where(
                Charge.subscription_id == sub.id).order_by(Charge.period_start, Charge.id))]


def adoption_event(sub: Subscription):
    return only_event(sub, "imported")


def test_b1_a_subscription_the_sync_adopts_after_its_months_run_is_charged_its_first_cycle(
        shop, clock, pc_client, pc_sandbox):
    # Its first cycle (31 August – 29 September) goes on September's invoice, with the
    # cycle from 30 September; August's invoice was issued without it.
    sub = adopted_after_august_was_billed(shop, clock, pc_client, pc_sandbox)
    september_billed_in_full(clock)
    assert charges_of(sub) == [
        ("new", 4, E3_MONTH, date(2021, 8, 31), "2021-09"),
        ("cycleCharge", 4, E3_MONTH, date(2021, 9, 30), "2021-09")]


def test_b1_billing_and_the_sync_again_add_nothing_for_the_adopted_cycle(
        shop, clock, pc_client, pc_sandbox):
    sub = adopted_after_august_was_billed(shop, clock, pc_client, pc_sandbox)
    september_billed_in_full(clock)
    nothing_added_again(pc_client, ("2021-08", "2021-09"), date(2021, 10, 1))
    assert [c[3] for c in charges_of(sub)].count(date(2021, 8, 31)) == 1


def test_b5_the_adoptions_history_states_what_the_run_charges_for_the_missed_cycle(
        shop, clock, pc_client, pc_sandbox):
    sub = adopted_after_august_was_billed(shop, clock, pc_client, pc_sandbox)
    promised = event_amounts(sub)[adoption_event(sub).id].amount
    september_billed_in_full(clock)
    event = adoption_event(sub)
    ledger = db.session.scalar(select(Charge.amount).where(
        Charge.source == f"sub:{sub.id}:2021-08-31"))
    assert promised == ledger == event_amounts(event.subscription)[event.id].amount \
        == E3_MONTH


def test_b1_a_subscription_bought_before_its_customer_linked_its_tenant_catches_nothing_up(
        shop, clock, pc_client, pc_sandbox):
    # The customer showed control of a tenant it already had (K11) at 00:20 on 1 September:
    # what it bought before then was billed elsewhere, as an import's base was, though the
    # hourly sync, not an import, adopts it. Its cycles are billed from the next one on.
    shop.customer_a.tenant_verified_at = datetime(2021, 9, 1, 0, 20, tzinfo=UTC)
    sub = adopted_after_august_was_billed(shop, clock, pc_client, pc_sandbox)
    september_billed_in_full(clock)
    assert charges_of(sub) == [("cycleCharge", 4, E3_MONTH, date(2021, 9, 30), "2021-09")]
    assert adoption_event(sub).id not in event_amounts(sub)  # nothing stated either


def test_b1_an_imported_subscriptions_cycles_before_the_import_stay_uncharged(
        shop, clock, pc_client, pc_sandbox):
    # Bought on 10 June, billed by the provider elsewhere until the storefront's import on
    # 1 September (after August's run): only its cycles from 10 September are charged here.
    alpha_in_partner_center(shop, pc_sandbox)
    bought = bought_in_partner_center(pc_sandbox, datetime(2021, 6, 10, 8, tzinfo=UTC))
    clock.move_to(datetime(2021, 9, 1, 0, 15, tzinfo=UTC))
    august_billed_in_full()
    clock.move_to(datetime(2021, 9, 1, 0, 30, tzinfo=UTC))
    import_customers(pc_client)
    sync_all(pc_client)
    september_billed_in_full(clock)
    assert charges_of(target_of(bought)) == [
        ("cycleCharge", 4, E3_MONTH, date(2021, 9, 10), "2021-09")]


def test_r4_an_upgrades_target_linked_a_month_later_is_charged_its_cycles_since(
        shop, clock, pc_client):
    # 4 seats upgraded on 1 August (the source's cycle runs 18 July – 17 August); E3 is not
    # in the catalog until 1 September, after August's run. September's run charges the
    # conversion (1–17 August), the cycle from 18 August August's run could not, and its own.
    sub = ten_seats_seen_after_their_7_days(shop, clock, pc_client)
    clock.move_to(UPGRADED)
    moved_to = upgrade_in_partner_center(pc_client, sub, 4)
    clock.move_to(datetime(2021, 8, 1, 10, tzinfo=UTC))
    sync_all(pc_client)
    clock.move_to(datetime(2021, 9, 1, 0, 15, tzinfo=UTC))
    august_billed_in_full()
    e3_on_sale()
    clock.move_to(datetime(2021, 9, 1, 1, tzinfo=UTC))
    sync_all(pc_client)
    target = target_of(moved_to)
    september_billed_in_full(clock)
    assert [c[:5] for c in target_charges(target)] == [
        ("convert", 4, Decimal("66.33"), date(2021, 8, 1), date(2021, 8, 17)),
        ("cycleCharge", 4, E3_MONTH, date(2021, 8, 18), date(2021, 9, 17)),
        ("cycleCharge", 4, E3_MONTH, date(2021, 9, 18), date(2021, 10, 17))]
    assert {c[5] for c in target_charges(target)} == {"2021-09"}



def test_b6_the_missed_cycle_is_reconciled_with_the_month_microsoft_billed_it_in(
        shop, clock, pc_client, pc_sandbox, graph_client):
    # Microsoft billed the 31 August cycle on August's invoice; it was billed here in
    # September. August compares it with Microsoft's line (the test world's E3 cost is not
    # the sandbox's price, so the amounts differ; the quantities and the period match) and
    # September lists it as reconciled in August, instead of one "billed by Microsoft only"
    # and one "charged here only".
    adopted_after_august_was_billed(shop, clock, pc_client, pc_sandbox)
    september_billed_in_full(clock)
    clock.move_to(datetime(2021, 10, 9, tzinfo=UTC))  # both months invoiced by Microsoft
    august, september = (reconcile(month, invoices=pc_client, exports=graph_client)
                         for month in ("2021-08", "2021-09"))
    (row,) = august.items
    assert (row.kind, row.charge_type, row.period_start) == ("different", "new",
                                                             date(2021, 8, 31))
    assert (row.quantity_ours, row.quantity_microsoft) == (4, 4)
    assert row.note.startswith("billed here in 2021-09, by Microsoft in 2021-08; amount")
    [earlier] = [i for i in september.items if i.period_start == date(2021, 8, 31)]
    assert (earlier.kind, earlier.charge_type) == ("reconciled_earlier", "new")
    assert earlier.note.endswith("reconciled in 2021-08")
