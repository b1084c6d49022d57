"""`flask catalog sync` against the Partner Center sandbox (the real client via responses)."""

from decimal import Decimal

import pytest
from sqlalchemy import select

from catalog import queries, version
from catalog.models import Family, Price, Product
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


# -- C3: Partner Center's word on a SKU in a market, apart from the admin's own flag -----

US_ROW = {"term_duration": "P1M", "billing_cycle": "monthly", "currency": "USD",
          "unit_price": Decimal("10.00"), "erp_price": Decimal("12.50")}


def sync(app, country="US"):
    result = app.test_cli_runner().invoke(args=["catalog", "sync", "--country", country])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return result


def business(market_rows=("US", "GB")) -> Product:
    """Business Standard as synced, with a price row in each market (as a list imports)."""
    product = db.session.scalar(select(Product).filter_by(pc_product_id="CFQ7TTC0LDPB"))
    for market in market_rows:
        db.session.add(Price(sku=product.skus[0], market=market, **US_ROW))
    db.session.commit()
    return product


def listed_by_market(product: Product) -> dict[str, bool]:
    return {p.market: p.listed for sku in product.skus for p in sku.prices}


def shop_product_ids(market: str) -> set[int]:
    query = queries.shop_products(market, annual_sellable=True)
    return {p.id for p in db.session.scalars(query)}


def test_c3_a_product_purchasable_nowhere_is_at_end_of_sale_not_discontinued(synced):
    _, products = synced
    assert products["CFQ7TTC0LF8Q"].end_of_sale
    assert not products["CFQ7TTC0LF8Q"].discontinued  # the admin's flag stays theirs
    assert not products["CFQ7TTC0LDPB"].end_of_sale


def test_c3_a_sku_not_purchasable_in_one_market_stops_selling_only_there(app, synced,
                                                                         pc_sandbox):
    product = business()
    pc_sandbox.withdraw_availability("CFQ7TTC0LDPB", "0001", country="US")
    result = sync(app, "US")
    assert listed_by_market(product) == {"US": False, "GB": True}
    assert not product.end_of_sale and not product.discontinued  # GB still sells it
    assert product.id not in shop_product_ids("US") and product.id in shop_product_ids("GB")
    assert "1 SKU stopped selling in US" in result.output


def test_c3_a_product_ends_when_no_market_sells_it_and_comes_back_when_one_does(
        app, synced, pc_sandbox):
    product = business()
    for country in ("US", "GB"):
        pc_sandbox.withdraw_availability("CFQ7TTC0LDPB", "0001", country=country)
    sync(app, "US")
    assert not product.end_of_sale  # GB's rows still sell until GB's sync says otherwise
    ended = sync(app, "GB")
    assert product.end_of_sale and not product.discontinued
    assert "1 product at end of sale" in ended.output
    pc_sandbox.relist_availability("CFQ7TTC0LDPB", "0001", country="GB")
    back = sync(app, "GB")
    assert not product.end_of_sale
    assert listed_by_market(product) == {"US": False, "GB": True}
    assert "1 selling there again" in back.output and "1 product back on sale" in back.output
    assert product.id in shop_product_ids("GB")


def test_c3_a_sync_never_touches_the_admins_discontinued_flag(app, synced, pc_sandbox):
    product = business()
    product.discontinued = True  # the admin stops it for their own reasons
    db.session.commit()
    pc_sandbox.withdraw_availability("CFQ7TTC0LDPB", "0001")
    sync(app, "US")
    sync(app, "GB")
    pc_sandbox.relist_availability("CFQ7TTC0LDPB", "0001")
    sync(app, "US")
    assert product.discontinued and not product.end_of_sale
    assert product.id not in shop_product_ids("US")


def test_c3_a_sku_sold_again_relists_only_the_rows_the_sync_stopped(app, synced, pc_sandbox):
    product = business(("US",))
    ended = Price(sku=product.skus[0], market="US", **(US_ROW | {"term_duration": "P1Y"}),
                  listed=False, list_sells=False)  # the price list's own word: EndOfSale
    db.session.add(ended)
    db.session.commit()
    pc_sandbox.withdraw_availability("CFQ7TTC0LDPB", "0001", country="US")
    sync(app, "US")
    pc_sandbox.relist_availability("CFQ7TTC0LDPB", "0001", country="US")
    sync(app, "US")
    assert {p.term_duration: p.listed for p in product.skus[0].prices} == {
        "P1M": True, "P1Y": False}


def test_c3_a_price_list_keeps_a_sync_stopped_row_stopped_unless_it_ends_the_row(
        app, synced, pc_sandbox, tmp_path):
    from tests.catalog.price_lists import row, to_csv

    def run_import(rows):
        path = tmp_path / "prices.csv"
        path.write_text(to_csv(rows), encoding="utf-8")
        result = app.test_cli_runner().invoke(args=["catalog", "import", str(path)])
        assert result.exit_code == 0, result.output
        db.session.expire_all()

    annual = dict(TermDuration="P1Y", BillingPlan="Annual", UnitPrice="120.00",
                  **{"ERP Price": "150.00"})
    run_import([row(), row(**annual)])
    pc_sandbox.withdraw_availability("CFQ7TTC0LDPB", "0001", country="US")
    sync(app, "US")
    run_import([row(), row(**annual)])  # the same list again: Partner Center's stop holds
    product = db.session.scalar(select(Product).filter_by(pc_product_id="CFQ7TTC0LDPB"))
    assert {p.term_duration: p.listed for p in product.skus[0].prices} == {
        "P1M": False, "P1Y": False}
    run_import([row(UnitPrice="13.00"), row(**annual)])  # a new price: still stopped
    assert not next(p for p in product.skus[0].prices if p.term_duration == "P1M").listed
    run_import([row(), row(**annual, Tags="License;EndOfSale")])
    pc_sandbox.relist_availability("CFQ7TTC0LDPB", "0001", country="US")
    sync(app, "US")
    assert {p.term_duration: p.listed for p in product.skus[0].prices} == {
        "P1M": True, "P1Y": False}  # the list's EndOfSale is the list's to lift
