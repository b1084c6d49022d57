"""R4/B2: an upgrade is judged, and its seats before and after recorded, on the seats
Partner Center holds, not the row's: with 5 seats added in Partner Center's portal since the
hourly sync last saw the source (15 there, 10 here), the upgrade's mirror copied the 15
over the row unrecorded (never charged) and recorded the move "10 → 10", and more than 10
could not be moved. It now reads the source first and records the portal's +5 as the sync
would, from its day; the move is then 15 → 10, and the next pass adds nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine

from billing.runs import run_billing
from persistence import db
from subscriptions import upgrades
from subscriptions.errors import SubscriptionRefused
from subscriptions.models import Subscription
from subscriptions.sync import sync_all
from tests.billing.test_b2_b3_partner_center_changes import in_partner_center
from tests.billing.test_upgrade_charges import _charges, _e3
from tests.conftest import login
from tests.subscriptions.conftest import buy, tenant  # noqa: F401 - fixtures

BOUGHT = datetime(2025, 3, 3, 9, tzinfo=UTC)  # a monthly cycle 3 Mar – 2 Apr (31 days)
ADDED = datetime(2025, 3, 8, 12, tzinfo=UTC)  # 5 seats in Partner Center's portal
UPGRADED = datetime(2025, 3, 10, 9, tzinfo=UTC)  # before the sync's next pass


@pytest.fixture
def clock():
    with time_machine.travel(BOUGHT, tick=False) as traveller:
        yield traveller


@pytest.fixture
def source(clock, buy, pc_client):  # noqa: F811
    _e3()
    sub = buy(quantity=10)  # Business Standard at 12.50
    clock.move_to(ADDED)
    in_partner_center(pc_client, sub, quantity=15)
    clock.move_to(UPGRADED)
    return sub


def _upgrade(sub: Subscription, quantity: int, world, pc_client) -> Subscription:
    (offer,) = upgrades.eligible(sub, pc_client)
    return upgrades.upgrade_now(sub, offer.catalog_item_id, quantity, world.reseller_a_user,
                                pc_client)


def _history(sub: Subscription) -> list[tuple]:
    db.session.expire_all()
    return [(e.kind, e.data["before"], e.data["after"], "seen_at" in e.data)
            for e in db.session.get(Subscription, sub.id).events
            if e.kind in ("quantity", "upgrade")]


def test_r4_b2_an_upgrade_records_the_portals_seats_first_and_moves_from_15(
        clock, source, world, pc_client):
    target = _upgrade(source, 5, world, pc_client)
    assert _history(source) == [("quantity", 10, 15, True), ("upgrade", 15, 10, False)]
    for hour in (10, 11):
        clock.move_to(datetime(2025, 3, 10, hour, tzinfo=UTC))
        sync_all(pc_client)
    assert len(_history(source)) == 2  # the passes add nothing
    run_billing("2025-03", date(2025, 4, 1))
    run_billing("2025-03", date(2025, 4, 1))
    mar_3, mar_8, mar_10, apr_2 = (date(2025, 3, 3), date(2025, 3, 8), UPGRADED.date(),
                                   date(2025, 4, 2))
    # 12.50 / 31 a seat and day: +5 from the portal's 8 March (26 days), then 5 of the 15
    # converted from 10 March (24 days); each once, though billing ran twice.
    assert _charges(source) == [
        ("new", 10, Decimal("125.00"), mar_3, apr_2),
        ("addQuantity", -10, Decimal("-104.83"), mar_8, apr_2),
        ("addQuantity", 15, Decimal("157.25"), mar_8, apr_2),
        ("convert", -15, Decimal("-145.16"), mar_10, apr_2),
        ("convert", 10, Decimal("96.77"), mar_10, apr_2)]
    assert [c[:3] for c in _charges(target)] == [("convert", 5, Decimal("139.35"))]


def test_r4_more_seats_than_the_row_holds_move_when_partner_center_holds_them(
        source, world, pc_client):
    target = _upgrade(source, 12, world, pc_client)  # the row's 10 refused it (R4.quantity)
    assert (source.quantity, target.quantity) == (3, 12)
    assert _history(source) == [("quantity", 10, 15, True), ("upgrade", 15, 3, False)]


def test_r4_the_upgrade_page_offers_the_seats_partner_center_holds(
        client, source, world):
    login(client, world.reseller_a_user)
    page = client.get(f"/subscriptions/{source.id}/upgrade").get_data(as_text=True)
    assert 'name="quantity" min="1" max="15"' in page
    assert _history(source) == [("quantity", 10, 15, True)]


def test_r4_an_unanswered_read_refuses_the_upgrade_and_nothing_moves(
        source, world, pc_client, pc_sandbox):
    (offer,) = upgrades.eligible(source, pc_client)
    # the source's own resource only: its eligibilities answer still
    pc_sandbox.add_fault(endpoint=f"GET /v1/customers/{source.tenant_id}/subscriptions/"
                                  f"{source.pc_subscription_id}", status=503, count=None)
    with pytest.raises(SubscriptionRefused) as refused:
        upgrades.upgrade_now(source, offer.catalog_item_id, 5, world.reseller_a_user,
                             pc_client)
    assert refused.value.rule == "PC"
    assert (source.quantity, _history(source)) == (10, [])
    assert pc_sandbox.data["subscriptions"][source.pc_subscription_id]["wire"][
        "quantity"] == 15  # nothing moved
