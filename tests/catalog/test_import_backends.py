"""The importer writes prices in each database's own form (text money on SQLite, NUMERIC on
PostgreSQL): import, re-import, change and removal read back the same through the ORM."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from catalog.models import Price, Product, Sku
from persistence import db
from tests.catalog.price_lists import row, standard_rows, to_csv
from tests.provisioning.databases import BACKENDS, app_on


@pytest.fixture(params=BACKENDS)
def run_import(request, tmp_path):
    with app_on(request.param, tmp_path) as app:

        def run(rows):
            path = tmp_path / "prices.csv"
            path.write_text(to_csv(rows), encoding="utf-8")
            result = app.test_cli_runner().invoke(args=["catalog", "import", str(path)])
            assert result.exit_code == 0, result.output
            db.session.expire_all()
            return result.output

        yield run


def prices() -> dict[tuple, Price]:
    return {(p.sku.product.pc_product_id, p.term_duration, p.billing_cycle): p
            for p in db.session.scalars(select(Price))}


def test_prices_read_back_exactly_and_a_reimport_changes_nothing(run_import):
    rows = standard_rows()
    rows[0]["EffectiveEndDate"] = "2027-10-31"
    run_import(rows)
    first = prices()[("CFQ7TTC0LDPB", "P1M", "monthly")]
    assert (first.unit_price, first.erp_price) == (Decimal("12.00"), Decimal("15.00"))
    assert (first.effective_start, first.effective_end) == (date(2026, 11, 1), date(2027, 10, 31))
    assert first.listed is True and first.tier_min == 1 and first.tier_max is None
    assert "0 added, 0 changed, 5 unchanged, 0 no longer listed" in run_import(rows)


def test_a_changed_price_and_a_removed_row_are_written(run_import):
    run_import(standard_rows())
    rows = standard_rows()[:-1]
    rows[1]["UnitPrice"] = "10.4999"
    output = run_import(rows)
    assert "0 added, 1 changed, 3 unchanged, 1 no longer listed" in output
    after = prices()
    assert after[("CFQ7TTC0LDPB", "P1Y", "monthly")].unit_price == Decimal("10.4999")
    assert after[("DG7GMGF0D7FV", "P1Y", "annual")].listed is False


def test_renamed_products_and_skus_take_microsofts_new_names(run_import):
    run_import(standard_rows())
    renamed = [row(ProductTitle="Microsoft 365 Business Standard (NCE)",
                   SkuTitle="Business Standard", UnitOfMeasure="License")]
    run_import(renamed)
    product = db.session.scalar(select(Product).filter_by(pc_product_id="CFQ7TTC0LDPB"))
    sku = db.session.scalar(select(Sku).filter_by(product_id=product.id, pc_sku_id="0001"))
    assert product.title == "Microsoft 365 Business Standard (NCE)"
    assert (sku.title, sku.unit_of_measure) == ("Business Standard", "License")
