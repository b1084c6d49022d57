"""Sync and import read Get Orders too: software bought before October 2021 (and perpetual
software) is only there, and must appear against the right customer, once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from connectors.partner_center import Order, OrderLine
from connectors.partner_center.sandbox import legacy_orders, seed
from persistence import db
from subscriptions.matching import CatalogProduct, ProductIndex
from subscriptions.models import Subscription, SubscriptionEvent
from subscriptions.order_sync import orders_only
from subscriptions.sync import sync_all
from tests.conftest import make_price

TENANT = seed.TENANT_WITH_DAP_ID
OLD = (legacy_orders.SQL_SERVER_SUBSCRIPTION_ID, legacy_orders.WINDOWS_SERVER_SUBSCRIPTION_ID)


@pytest.fixture
def shared_tenant(world):
    """The seeded tenant held by a customer of each reseller; its old orders name reseller B
    (MPN 6223456) as partner of record, with SQL Server and Windows Server in the catalog."""
    world.customer_a.tenant_id = world.customer_b.tenant_id = TENANT
    make_price(title="SQL Server Standard", product_id="DG7GMGF0FKZV",
               family="software_subscription", term="P3Y", cycle="annual")
    make_price(title="Windows Server 2022 Standard", product_id="DG7GMGF0DWMS",
               family="perpetual_software", term="", cycle="one_time")
    db.session.commit()
    return world


def mirrored() -> dict[str, Subscription]:
    rows = db.session.scalars(select(Subscription).where(Subscription.tenant_id == TENANT))
    return {s.pc_subscription_id: s for s in rows}


def test_sync_brings_in_software_only_get_orders_returns_for_the_partner_of_record(
        shared_tenant, pc_client):
    assert pc_client.list_subscriptions(TENANT) == ()  # the subscriptions list lacks them
    report = sync_all(pc_client)
    found = mirrored()
    assert set(found) == set(OLD) and report.added == 2
    sql, windows = found[OLD[0]], found[OLD[1]]
    assert {sql.customer_id, windows.customer_id} == {shared_tenant.customer_b.id}
    assert (sql.family, sql.quantity, sql.term_duration, sql.status) == (
        "software_subscription", 4, "P3Y", "active")
    assert sql.pc_order_id == legacy_orders.SQL_SERVER_ORDER_ID
    assert sql.purchased_at.replace(tzinfo=UTC) == datetime(2021, 3, 15, 10, 12, tzinfo=UTC)
    assert (windows.family, windows.quantity, windows.partner_id) == (
        "perpetual_software", 2, seed.RESELLER_MPN_ID_2)
    assert sql.events[0].kind == "imported"


def test_a_second_sync_changes_nothing(shared_tenant, pc_client):
    sync_all(pc_client)
    events = db.session.scalar(select(func.count()).select_from(SubscriptionEvent))
    again = sync_all(pc_client)
    assert (again.added, again.changed, again.subscriptions.skipped) == (0, 0, 2)
    assert len(mirrored()) == 2
    assert db.session.scalar(select(func.count()).select_from(SubscriptionEvent)) == events


def test_an_old_order_cancelled_in_partner_center_shows_cancelled(shared_tenant, pc_client,
                                                                 pc_sandbox):
    sync_all(pc_client)
    pc_sandbox.data["legacyOrders"][legacy_orders.SQL_SERVER_ORDER_ID]["wire"][
        "status"] = "cancelled"
    sync_all(pc_client)
    db.session.expire_all()
    assert mirrored()[OLD[0]].status == "cancelled"


def test_an_old_software_line_whose_product_is_not_in_the_catalog_is_reported(world,
                                                                            pc_client):
    world.customer_b.tenant_id = TENANT
    db.session.commit()
    report = sync_all(pc_client)
    assert report.subscriptions.unmatched == 2 and mirrored() == {}
    assert any("DG7GMGF0DWMS is not in the catalog" in r for r in report.reasons.counts)


# The policy of which order lines only Get Orders brings in, without Partner Center.
PRODUCTS = ProductIndex({"SQL": CatalogProduct(1, "SQL Server", "software_subscription"),
                         "WIN": CatalogProduct(2, "Windows Server", "perpetual_software"),
                         "M365": CatalogProduct(3, "Microsoft 365", "microsoft365")})


def order(offer: str, created: datetime, status: str = "completed",
          subscription_id: str | None = "s-1") -> Order:
    line = OrderLine(0, f"{offer}:0001:AV", 1, "P1Y", offer, subscription_id, "6112345")
    return Order("o-1", TENANT, status, "annual", "USD", created, (line,))


BEFORE, AFTER = datetime(2021, 9, 30, tzinfo=UTC), datetime(2021, 10, 1, tzinfo=UTC)


def test_a_software_subscription_ordered_before_october_2021_comes_from_orders():
    assert [r.id for r in orders_only([order("SQL", BEFORE)], [], PRODUCTS)] == ["s-1"]


def test_a_software_subscription_ordered_since_october_2021_is_left_to_the_list():
    assert orders_only([order("SQL", AFTER)], [], PRODUCTS) == []


def test_perpetual_software_comes_from_orders_whatever_its_date():
    remote = orders_only([order("WIN", AFTER, subscription_id=None)], [], PRODUCTS)
    assert [r.id for r in remote] == ["o-1:0"]


def test_a_line_the_subscriptions_list_returned_is_not_read_twice():
    assert orders_only([order("SQL", BEFORE, subscription_id="S-1")], ["s-1"], PRODUCTS) == []


def test_pending_orders_and_online_services_are_left_to_the_subscriptions_list():
    pending = order("WIN", BEFORE, status="pending")
    assert orders_only([pending, order("M365", BEFORE)], [], PRODUCTS) == []
