"""C3 from two sources: the provider's price list and Partner Center's catalog sync.

Each keeps its own word on a price row (the list sells it or ends it; the sync finds its
SKU purchasable in the row's market or not) and on a product (every SKU in the list tagged
EndOfSale; no SKU purchasable and no market selling it), and the shop sells only what
neither has ended, whichever ran last. Partner Center is the sandbox, as in test_sync.py.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from catalog.models import Product
from connectors.partner_center.app_client import KEY
from persistence import db
from tests.catalog.price_lists import row, to_csv
from tests.catalog.test_sync import shop_product_ids, sync
from tests.conftest import login

ANNUAL = dict(TermDuration="P1Y", BillingPlan="Annual", UnitPrice="120.00",
              **{"ERP Price": "150.00"})
ENDED = "License;EndOfSale"


@pytest.fixture
def synced(app, pc_client):
    """Every sandbox product synced in the US, before any price list."""
    app.extensions[KEY] = pc_client
    sync(app, "US")


@pytest.fixture
def run_import(app, tmp_path):
    def run(rows):
        path = tmp_path / "prices.csv"
        path.write_text(to_csv(rows), encoding="utf-8")
        result = app.test_cli_runner().invoke(args=["catalog", "import", str(path)])
        assert result.exit_code == 0, result.output
        db.session.expire_all()
    return run


def business() -> Product:
    return db.session.scalar(select(Product).filter_by(pc_product_id="CFQ7TTC0LDPB"))


def listed_rows(product: Product) -> dict[tuple, bool]:
    return {(p.term_duration, p.market): p.listed for p in product.skus[0].prices}


def test_c3_a_sync_finding_the_plan_purchasable_keeps_the_lists_end_of_sale(
        app, synced, run_import):
    run_import([row(Tags=ENDED), row(**ANNUAL, Tags=ENDED)])
    sync(app, "US")  # Partner Center still sells it: that does not lift the list's word
    product = business()
    assert product.end_of_sale and product.withdrawn
    assert product.id not in shop_product_ids("US")


def test_c3_an_older_list_selling_the_plan_does_not_undo_the_syncs_end_of_sale(
        app, synced, run_import, pc_sandbox):
    run_import([row()])
    pc_sandbox.withdraw_availability("CFQ7TTC0LDPB", "0001")
    sync(app, "US")
    assert business().end_of_sale
    run_import([row()])  # the same (older) list again, still selling it
    product = business()
    assert product.end_of_sale and product.withdrawn
    assert listed_rows(product) == {("P1M", "US"): False}
    assert product.id not in shop_product_ids("US")


def test_c3_a_row_the_list_dropped_after_the_syncs_stop_stays_stopped_when_a_list_sells_it(
        app, synced, run_import, pc_sandbox):
    run_import([row(), row(**ANNUAL)])
    pc_sandbox.withdraw_availability("CFQ7TTC0LDPB", "0001", country="US")
    sync(app, "US")
    run_import([row()])  # a list without the annual row: the list unlists it too
    run_import([row(), row(**ANNUAL)])  # an older list selling it again
    assert listed_rows(business()) == {("P1M", "US"): False, ("P1Y", "US"): False}
    pc_sandbox.relist_availability("CFQ7TTC0LDPB", "0001", country="US")
    sync(app, "US")
    assert listed_rows(business()) == {("P1M", "US"): True, ("P1Y", "US"): True}


def test_c3_a_row_a_list_adds_for_a_sku_the_sync_stopped_in_its_market_is_born_stopped(
        app, synced, run_import, pc_sandbox):
    run_import([row()])
    pc_sandbox.withdraw_availability("CFQ7TTC0LDPB", "0001", country="US")
    sync(app, "US")
    run_import([row(), row(**ANNUAL), row(Market="GB", Currency="GBP")])
    assert listed_rows(business()) == {
        ("P1M", "US"): False, ("P1Y", "US"): False, ("P1M", "GB"): True}
    assert business().id not in shop_product_ids("US")
    pc_sandbox.relist_availability("CFQ7TTC0LDPB", "0001", country="US")
    sync(app, "US")
    assert listed_rows(business()) == {
        ("P1M", "US"): True, ("P1Y", "US"): True, ("P1M", "GB"): True}


def test_c3_a_first_row_of_a_market_the_sync_found_the_sku_not_purchasable_in_is_born_stopped(
        app, synced, run_import, pc_sandbox):
    pc_sandbox.withdraw_availability("CFQ7TTC0LDPB", "0001", country="US")
    sync(app, "US")  # no price row yet: the sync's word is kept for the SKU and market
    run_import([row(), row(Market="GB", Currency="GBP")])
    assert listed_rows(business()) == {("P1M", "US"): False, ("P1M", "GB"): True}


@pytest.mark.parametrize("list_first", [True, False], ids=["import-then-sync",
                                                           "sync-then-import"])
def test_c3_the_plan_sells_again_only_once_both_sources_sell_it_in_either_order(
        app, synced, run_import, pc_sandbox, list_first):
    steps = [lambda: run_import([row(Tags=ENDED)]),
             lambda: (pc_sandbox.withdraw_availability("CFQ7TTC0LDPB", "0001"),
                      sync(app, "US"))]
    run_import([row()])
    for step in steps if list_first else steps[::-1]:
        step()
    product = business()
    assert (product.list_ended, product.sync_ended, product.end_of_sale) == (True, True, True)
    assert listed_rows(product) == {("P1M", "US"): False}
    pc_sandbox.relist_availability("CFQ7TTC0LDPB", "0001")
    sync(app, "US")  # Partner Center sells it again; the list still ends it
    product = business()
    assert (product.list_ended, product.sync_ended, product.end_of_sale) == (True, False, True)
    assert listed_rows(product) == {("P1M", "US"): False}
    assert product.id not in shop_product_ids("US")
    run_import([row()])
    product = business()
    assert not product.end_of_sale and listed_rows(product) == {("P1M", "US"): True}
    assert product.id in shop_product_ids("US")


def test_c3_the_admin_product_page_names_which_source_ended_the_plan(
        app, client, world, synced, run_import, pc_sandbox):
    login(client, world.admin)
    product_id = world.price.sku.product_id
    run_import([row(Tags=ENDED)])
    page = client.get(f"/admin/catalog/{product_id}").get_data(as_text=True)
    assert 'data-testid="ended-by-list"' in page
    assert 'data-testid="ended-by-sync"' not in page
    pc_sandbox.withdraw_availability("CFQ7TTC0LDPB", "0001")
    sync(app, "US")
    page = client.get(f"/admin/catalog/{product_id}").get_data(as_text=True)
    assert 'data-testid="ended-by-list"' in page and 'data-testid="ended-by-sync"' in page
    assert "not purchasable in US" in page
    run_import([row()])
    page = client.get(f"/admin/catalog/{product_id}").get_data(as_text=True)
    assert 'data-testid="ended-by-list"' not in page and 'data-testid="ended-by-sync"' in page
    assert "stopped by the Partner Center sync" in page  # the row the list sells again
    listing = client.get("/admin/catalog?status=discontinued").get_data(as_text=True)
    assert "end of sale: Partner Center" in listing


def test_c3_the_admin_page_asks_to_untick_discontinued_on_a_plan_partner_center_sells(
        app, client, world, synced, pc_sandbox):
    """A sync before session 53 ticked Discontinued itself: nothing tells that from the
    admin's own tick, so the page says when Partner Center sells the plan after all."""
    login(client, world.admin)
    product = world.price.sku.product
    product.discontinued = True
    db.session.commit()
    page = client.get(f"/admin/catalog/{product.id}").get_data(as_text=True)
    assert 'data-testid="discontinued-but-sold"' in page
    pc_sandbox.withdraw_availability("CFQ7TTC0LDPB", "0001")
    sync(app, "US")
    page = client.get(f"/admin/catalog/{product.id}").get_data(as_text=True)
    assert 'data-testid="discontinued-but-sold"' not in page
