"""R4 with B1: a subscription bought in Partner Center and upgraded away entirely there (all
its seats moved to a new subscription, the source left "deleted" without seats) before any
sync pass saw it is adopted as the upgrade's source, not as a cancellation
(subscriptions.adopted_upgraded): no cancellation credit on it, the moved seats credited
from the upgrade's day as Microsoft's conversion, and the subscription the upgrade made
charged that conversion once, as a held row's upgrade seen in Partner Center is billed.
Recorded as a cancellation, the source was credited from its window's close and the target
charged as a purchase of its own, on its own cycles.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from billing.models import Charge
from billing.runs import run_billing
from connectors.partner_center.sandbox import bulk, seed
from connectors.partner_center.sandbox.faults import Fault
from persistence import db
from subscriptions.sync import sync_all
from tests.billing.conftest import nothing_added_again, only_event, price_in
from tests.billing.test_b1_s3_subscriptions_adopted_already_cancelled import (
    october_billed_in_full,
)
from tests.billing.test_b1_subscriptions_seen_after_their_cycle_was_charged import (
    TENANT,
    alpha_in_partner_center,
    charges_of,
)
from tests.billing.test_r4_target_linked_a_pass_later import (
    september_billed_in_full,
    target_of,
)
from tests.billing.test_r4_upgrades_made_in_partner_center import history

BUSINESS_STANDARD = "CFQ7TTC0LDPB:0001:CFQ7TTC0K5DJ"
TRANSITIONS = "GET /v1/customers/*/subscriptions/*/transitions"
BOUGHT, UPGRADED = (datetime(2021, 9, 10, 9, tzinfo=UTC), datetime(2021, 9, 20, 9, tzinfo=UTC))
SEEN = datetime(2021, 9, 20, 10, tzinfo=UTC)
SEP_10, SEP_20, OCT_9, OCT_10 = date(2021, 9, 10), date(2021, 9, 20), date(2021, 10, 9), \
    date(2021, 10, 10)


def upgraded_away_before_seen(shop, clock, pc_client, pc_sandbox) -> tuple[str, str]:
    """4 licences of Business Standard (a year billed monthly, 10.08) bought in Partner
    Center at 09:00 on 10 September, all 4 upgraded there to Microsoft 365 E3 (30.24) at
    09:00 on 20 September, after the window; no sync pass ran between: the source and the
    subscription the upgrade made, by their Partner Center ids."""
    alpha_in_partner_center(shop, pc_sandbox)
    price_in(shop, "DE", "EUR", erp="10.08", term="P1Y", cycle="monthly")
    clock.move_to(BOUGHT)
    with pc_sandbox.lock:
        bought = bulk.add_subscription(
            pc_sandbox, TENANT, bulk.Plan(BUSINESS_STANDARD, "P1Y", "monthly", 10000), 4,
            seed.RESELLER_MPN_ID, BOUGHT)["wire"]["id"]
    clock.move_to(UPGRADED)
    (offer,) = pc_client.get_transition_eligibilities(TENANT, bought)
    moved_to = pc_client.create_transition(TENANT, bought, offer.catalog_item_id,
                                           4).to_subscription_id
    return bought, moved_to


def first_pass_and_two_months_billed(clock, pc_client) -> None:
    clock.move_to(SEEN)
    sync_all(pc_client)
    september_billed_in_full(clock)
    october_billed_in_full(clock)


def test_r4_a_source_adopted_upgraded_away_is_converted_not_cancelled(
        shop, clock, pc_client, pc_sandbox):
    # Its cycle of 10 September is charged, then the 4 credited for 20 September – 9
    # October (10.08 / 30 × 20 days = 6.72 a licence): no cancellation credit from the
    # window's close on 17 September, no cycle after.
    bought, _ = upgraded_away_before_seen(shop, clock, pc_client, pc_sandbox)
    first_pass_and_two_months_billed(clock, pc_client)
    source = target_of(bought)
    assert charges_of(source) == [
        ("new", 4, Decimal("40.32"), SEP_10, "2021-09"),
        ("convert", -4, Decimal("-26.88"), SEP_20, "2021-09")]
    assert history(source) == [("upgrade", 4, 0)]
    assert [e.kind for e in source.events if e.kind == "cancel"] == []


def test_r4_the_target_is_charged_the_conversion_once_on_its_sources_cycles(
        shop, clock, pc_client, pc_sandbox):
    # The E3 subscription the upgrade made, adopted in the same pass: its first charge the
    # conversion for 20 September – 9 October (30.24 / 30 × 20 = 20.16 a licence), then
    # the source's cycles (10 October), not a purchase of its own on 20 September.
    bought, moved_to = upgraded_away_before_seen(shop, clock, pc_client, pc_sandbox)
    first_pass_and_two_months_billed(clock, pc_client)
    source, target = target_of(bought), target_of(moved_to)
    assert charges_of(target) == [
        ("convert", 4, Decimal("80.64"), SEP_20, "2021-09"),
        ("cycleCharge", 4, Decimal("120.96"), OCT_10, "2021-10")]
    [upgrade] = [e for e in source.events if e.kind == "upgrade"]
    [moved_in] = [e for e in target.events if e.kind == "upgrade"]
    assert (upgrade.data["to"], moved_in.data["from"]) == (target.id, source.id)
    assert "awaits" not in upgrade.data


def test_r4_the_sync_and_billing_again_add_nothing(shop, clock, pc_client, pc_sandbox):
    bought, moved_to = upgraded_away_before_seen(shop, clock, pc_client, pc_sandbox)
    first_pass_and_two_months_billed(clock, pc_client)
    nothing_added_again(pc_client, ("2021-09", "2021-10"), date(2021, 11, 1))
    assert history(target_of(bought)) == [("upgrade", 4, 0)]
    assert [c[0] for c in charges_of(target_of(moved_to))].count("convert") == 1


@pytest.mark.parametrize("fault", [{"status": 503}, {"kind": "timeout"}],
                         ids=["503", "timeout"])
def test_r4_b1_transitions_not_answered_leave_source_and_target_for_the_next_pass(
        app, shop, clock, pc_client, pc_sandbox, fault):
    # Partner Center does not answer for the source's transitions at 10:00: that pass adds
    # neither the source nor the E3 subscription (which the upgrade may have made, and
    # was adopted as a purchase of its own), and says so. A run at 10:30 bills neither.
    # The 11:00 pass adopts the source as the upgrade's and the E3 row linked to it:
    # charged the conversion, never a purchase, and no cancellation.
    bought, moved_to = upgraded_away_before_seen(shop, clock, pc_client, pc_sandbox)
    pc_sandbox.faults.add(Fault(endpoint=TRANSITIONS, count=None, **fault))
    clock.move_to(SEEN)
    said = app.test_cli_runner().invoke(args=["subscriptions", "sync"]).output
    assert (target_of(bought), target_of(moved_to)) == (None, None)
    assert f"Left for the next pass (2×): tenant {TENANT}: Partner Center did not answer " \
           f"the transitions of subscription {bought}," in said
    clock.move_to(datetime(2021, 9, 20, 10, 30, tzinfo=UTC))
    run_billing("2021-09", SEP_20)
    assert db.session.scalars(select(Charge.charge_type)).all() == []
    pc_sandbox.faults.clear()
    clock.move_to(datetime(2021, 9, 20, 11, tzinfo=UTC))
    assert sync_all(pc_client).waited.counts == {}
    source, target = target_of(bought), target_of(moved_to)
    upgrade, moved_in = only_event(source, "upgrade"), only_event(target, "upgrade")
    assert (upgrade.data["to"], moved_in.data["from"]) == (target.id, source.id)
    clock.move_to(datetime(2021, 9, 20, 12, tzinfo=UTC))
    sync_all(pc_client)
    september_billed_in_full(clock)
    assert [c[:3] for c in charges_of(source)] == [
        ("new", 4, Decimal("40.32")), ("convert", -4, Decimal("-26.88"))]
    assert [c[:3] for c in charges_of(target)] == [("convert", 4, Decimal("80.64"))]


def test_r4_k11_one_upgraded_before_its_customer_linked_its_tenant_is_charged_nothing(
        shop, clock, pc_client, pc_sandbox):
    # The customer showed control of its tenant (K11) at 09:30 on 20 September, after the
    # purchase and the upgrade, both billed elsewhere: no conversion on either side here.
    shop.customer_a.tenant_verified_at = datetime(2021, 9, 20, 9, 30, tzinfo=UTC)
    bought, moved_to = upgraded_away_before_seen(shop, clock, pc_client, pc_sandbox)
    first_pass_and_two_months_billed(clock, pc_client)
    assert [c for c in charges_of(target_of(bought)) if c[2]] == []  # no credit either
    assert "convert" not in [c[0] for c in charges_of(target_of(moved_to))]
