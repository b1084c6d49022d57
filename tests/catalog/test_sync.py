"""`flask catalog sync` against the Partner Center sandbox (the real client via responses)."""

import pytest
from sqlalchemy import select

from catalog import version
from catalog.models import Family, Product
from connectors.partner_center.app_client import KEY
from persistence import db


@pytest.fixture
def synced(app, pc_client):
    app.extensions[KEY] = pc_client
    result = app.test_cli_runner().invoke(args=["catalog", "sync", "--country", "US"])
    assert result.exit_code == 0, result.output
    return result, {p.pc_product_id: p for p in db.session.scalars(select(Product))}


def test_sync_brings_every_demo_product_with_its_family(synced):
    result, products = synced
    assert "12 new products" in result.output
    assert products["CFQ7TTC0LDPB"].family == Family.OFFICE365_BUSINESS
    assert products["DG7GMGF0DWMS"].family == Family.PERPETUAL_SOFTWARE
    assert products["DZH318Z0BQ4V"].family == Family.AZURE_RESERVATION
    assert products["DZH318Z0BPS6"].family == Family.AZURE_PLAN  # the MicrosoftAzure view


def test_specialized_plans_get_their_segment_from_the_explicit_segment_views(synced):
    _, products = synced
    assert products["CFQ7TTC0LCHN"].segment == "nonprofit"
    assert products["CFQ7TTC0LF5R"].segment == "education"
    assert products["CFQ7TTC0LHSV"].segment == "government"


def test_a_product_that_cannot_be_bought_is_discontinued_c3(synced):
    _, products = synced
    assert products["CFQ7TTC0LF8Q"].discontinued
    assert not products["CFQ7TTC0LDPB"].discontinued


def test_dynamics_is_a_new_subscription_per_order_and_redhat_not_cancellable(synced):
    _, products = synced
    assert products["CFQ7TTC0LGNM"].new_subscription_per_order
    assert not products["DG7GMGF0FKZW"].cancellable


def test_skus_carry_the_current_availability_for_catalog_item_ids(synced):
    _, products = synced
    sku = products["CFQ7TTC0LDPB"].skus[0]
    assert sku.catalog_item_id == "CFQ7TTC0LDPB:0001:CFQ7TTC0K5DJ"
    assert products["CFQ7TTC0LDPB"].max_quantity == 300


def test_a_second_sync_adds_nothing_and_follows_rotated_availabilities(app, synced, pc_sandbox):
    pc_sandbox.rotate_availability("CFQ7TTC0LDPB", "0001")
    result = app.test_cli_runner().invoke(args=["catalog", "sync", "--country", "US"])
    assert "0 new products, 12 updated" in result.output
    sku = db.session.scalar(select(Product).filter_by(pc_product_id="CFQ7TTC0LDPB")).skus[0]
    assert sku.availability_id != "CFQ7TTC0K5DJ"


def test_a_sync_raises_the_catalog_version_so_cached_pages_are_rebuilt(app, synced, pc_sandbox):
    """Sync writes through the ORM, so the session's tracking raises the version with the
    SKUs' new availabilities, and every worker's cached listings are rebuilt."""
    before = version.current(db.session)
    pc_sandbox.rotate_availability("CFQ7TTC0LDPB", "0001")
    app.test_cli_runner().invoke(args=["catalog", "sync", "--country", "US"])
    assert version.current(db.session) > before
