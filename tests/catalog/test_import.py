"""`flask catalog import`: idempotent upserts, changes, removals, malformed files."""

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from catalog import queries
from catalog.models import Family, Price, Product
from persistence import db
from tests.catalog.price_lists import row, standard_rows, to_csv

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def run_import(app, tmp_path):
    def run(rows, *args):
        path = tmp_path / "prices.csv"
        path.write_text(to_csv(rows), encoding="utf-8")
        return app.test_cli_runner().invoke(args=["catalog", "import", str(path), *args])

    return run


def price_count(**filters) -> int:
    return db.session.scalar(select(func.count()).select_from(Price).filter_by(**filters))


def test_first_import_adds_products_skus_and_prices(run_import):
    result = run_import(standard_rows())
    assert result.exit_code == 0, result.output
    assert "Prices: 5 added, 0 changed, 0 unchanged, 0 no longer listed, 0 ending." in result.output
    assert "3 new products" in result.output
    assert price_count(listed=True) == 5


def test_reimporting_the_same_file_changes_nothing(run_import):
    run_import(standard_rows())
    before = [(p.id, p.updated_at) for p in db.session.scalars(select(Price).order_by(Price.id))]
    result = run_import(standard_rows())
    assert "0 added, 0 changed, 5 unchanged, 0 no longer listed" in result.output
    db.session.expire_all()
    after = [(p.id, p.updated_at) for p in db.session.scalars(select(Price).order_by(Price.id))]
    assert after == before


def test_a_changed_price_is_updated_and_reported(run_import):
    run_import(standard_rows())
    rows = standard_rows()
    rows[0]["UnitPrice"] = "12.60"
    result = run_import(rows)
    assert "0 added, 1 changed, 4 unchanged" in result.output
    assert "12.0000 → 12.60" in result.output
    price = db.session.scalar(select(Price).where(Price.term_duration == "P1M",
                                                  Price.sku.has(pc_sku_id="0001")))
    assert price.unit_price == Decimal("12.60")


def test_a_row_missing_from_the_new_file_is_marked_no_longer_listed(run_import):
    run_import(standard_rows())
    result = run_import(standard_rows()[:-1])
    assert "1 no longer listed" in result.output
    assert price_count(listed=False) == 1 and price_count() == 5
    assert "1 added" not in run_import(standard_rows()).output  # listed again, not re-added


def test_a_malformed_row_imports_nothing_and_names_its_line(run_import):
    rows = standard_rows()
    rows[3]["Currency"] = "US Dollar"
    result = run_import(rows)
    assert result.exit_code == 1
    assert "line 5: Currency" in result.output
    assert "nothing was imported" in result.output
    assert price_count() == 0 and db.session.scalar(select(func.count(Product.id))) == 0


def test_skip_invalid_imports_the_good_rows(run_import):
    rows = standard_rows()
    rows[3]["Currency"] = "US Dollar"
    result = run_import(rows, "--skip-invalid")
    assert result.exit_code == 0 and price_count() == 4


def test_skip_invalid_unlists_nothing_not_even_the_offer_of_the_bad_row(run_import):
    run_import(standard_rows())
    rows = standard_rows()[:-1]  # Red Hat left out, as a full list would mean it is gone
    rows[3]["Currency"] = "US Dollar"  # Dynamics, already listed, on an invalid line
    result = run_import(rows, "--skip-invalid")
    assert result.exit_code == 0, result.output
    assert "0 no longer listed" in result.output and price_count(listed=False) == 0
    assert ("Nothing was unlisted or ended because 1 line has errors; fix them and import "
            "the whole file again.") in result.output


def test_a_file_of_one_market_unlists_only_in_that_market(run_import):
    run_import(standard_rows() + [{**r, "Market": "DE", "Currency": "EUR"}
                                  for r in standard_rows()])
    result = run_import([{**r, "Market": "DE", "Currency": "EUR"}
                         for r in standard_rows()[:-1]])
    assert "1 no longer listed" in result.output  # Red Hat in Germany
    assert price_count(listed=False, market="DE") == 1
    assert price_count(listed=True, market="US") == 5
    assert ("Unlisting was limited to the file's markets (DE): 5 listed prices of other "
            "markets were kept.") in result.output


def test_new_products_get_a_family_and_redhat_is_not_cancellable(run_import):
    run_import(standard_rows())
    by_id = {p.pc_product_id: p for p in db.session.scalars(select(Product))}
    assert by_id["CFQ7TTC0LDPB"].family == Family.OFFICE365_BUSINESS
    assert by_id["CFQ7TTC0LH18"].family == Family.DYNAMICS
    assert by_id["DG7GMGF0D7FV"].cancellable is False


def test_an_admins_family_edit_survives_a_reimport(run_import):
    run_import(standard_rows())
    product = db.session.scalar(select(Product).filter_by(pc_product_id="CFQ7TTC0LH18"))
    product.family, product.new_subscription_per_order = Family.OTHER, True
    db.session.commit()
    run_import(standard_rows())
    db.session.refresh(product)
    assert product.family == Family.OTHER and product.new_subscription_per_order


def test_c3_end_of_sale_of_every_sku_ends_the_products_sale(run_import):
    rows = standard_rows()
    rows[3]["Tags"] = "License;EndOfSale"  # Dynamics' only SKU, in its only market
    run_import(rows)
    product = db.session.scalar(select(Product).filter_by(pc_product_id="CFQ7TTC0LH18"))
    assert product.end_of_sale and not product.discontinued  # the admin's flag is theirs
    assert product.id not in shop_product_ids("US")
    assert price_count(sku_id=product.skus[0].id, listed=False) == 1


def test_c3_end_of_sale_of_one_sku_in_one_market_stops_only_that_row(run_import):
    rows = [row(), row(Market="GB", Currency="GBP"),
            row(SkuId="0002", SkuTitle="Business Standard (old SKU)", Tags="License;End Of Sale",
                Market="GB", Currency="GBP")]
    assert run_import(rows).exit_code == 0
    product = db.session.scalar(select(Product).filter_by(pc_product_id="CFQ7TTC0LDPB"))
    assert not product.end_of_sale and not product.discontinued
    listed = {(sku.pc_sku_id, p.market): p.listed for sku in product.skus for p in sku.prices
              if p.effective_start is not None}
    assert listed == {("0001", "US"): True, ("0001", "GB"): True, ("0002", "GB"): False}
    assert product.id in shop_product_ids("US") and product.id in shop_product_ids("GB")


def test_c3_a_later_list_without_the_tag_sells_again_but_keeps_the_admins_choice(run_import):
    tagged = [dict(r, Tags="License;EndOfSale") for r in standard_rows()]
    run_import(tagged)
    products = {p.pc_product_id: p for p in db.session.scalars(select(Product))}
    assert all(p.end_of_sale for p in products.values())
    products["CFQ7TTC0LH18"].discontinued = True  # the admin stops Dynamics for good
    db.session.commit()
    assert run_import(standard_rows()).exit_code == 0
    for product in products.values():
        db.session.refresh(product)
    assert not any(p.end_of_sale for p in products.values())
    assert products["CFQ7TTC0LH18"].discontinued
    assert not products["CFQ7TTC0LDPB"].discontinued
    assert price_count(listed=False) == 0
    assert products["CFQ7TTC0LDPB"].id in shop_product_ids("US")
    assert products["CFQ7TTC0LH18"].id not in shop_product_ids("US")


def shop_product_ids(market: str) -> set[int]:
    query = queries.shop_products(market, annual_sellable=True)
    return {p.id for p in db.session.scalars(query)}


def test_the_import_command_leaves_the_orm_mappers_unconfigured(tmp_path):
    # #27: the import writes through Core. An ORM statement on its way (the catalog version's
    # bump) configured every mapper, a tenth of a second of a 50,000-row import from the CLI
    # (bench/catalog_import.py); a fresh interpreter shows whether anything does again.
    prices = tmp_path / "prices.csv"
    prices.write_text(to_csv(standard_rows()), encoding="utf-8")
    script = "\n".join((
        "from sqlalchemy import inspect",
        "from catalog.models import Product",
        "from config.settings import TestingConfig",
        "from persistence import db",
        "from storefront import create_app",
        f"settings = type('T', (TestingConfig,), {{'SQLALCHEMY_DATABASE_URI': "
        f"'sqlite:///{tmp_path / 'app.sqlite'}'}})",
        "app = create_app(settings)",
        "with app.app_context():",
        "    db.create_all()",
        f"    done = app.test_cli_runner().invoke(args=['catalog', 'import', '{prices}'])",
        "    print(done.output)",
        "    print('configured:', inspect(Product).configured)",
    ))
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Prices: 5 added" in done.stdout
    assert "configured: False" in done.stdout
