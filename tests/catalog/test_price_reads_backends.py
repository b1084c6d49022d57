"""The shop's price read and the workers' read-ahead on both databases (#27): a
fixed-arity IN, padded and paged, and the SKU names kept per listing version."""

from __future__ import annotations

from decimal import Decimal

import pytest

from catalog import changes, rows, version
from persistence import db
from tests.conftest import make_price
from tests.provisioning.databases import BACKENDS, app_on


@pytest.fixture(params=BACKENDS)
def app(request, tmp_path):
    with app_on(request.param, tmp_path) as app:
        yield app


def test_every_price_is_read_once_however_many_products_a_read_holds(app):
    made = [make_price(title=f"Plan {n:02}", product_id=f"CFQ7TTC0B{n:03}", cost=f"{n}.50")
            for n in range(rows.IDS_PER_READ + 3)]
    made.append(make_price(title="Elsewhere", product_id="CFQ7TTC0BDE0", market="DE",
                           currency="EUR"))
    db.session.commit()
    rows.read_ahead(db.session)
    versions = version.both(db.session)
    assert [r.title for r in rows.shop_rows(db.session, versions.listing, "US",
                                             annual_sellable=False)][:2] == ["Plan 00", "Plan 01"]
    ids = [price.sku.product_id for price in made]
    prices = rows.market_prices(db.session, versions, "US", ids)
    assert {product: [(p.id, p.sku_title, p.unit_price) for p in listed]
            for product, listed in prices.items()} == {
        price.sku.product_id: ([(price.id, price.sku.title, price.unit_price)]
                               if price.market == "US" else [])
        for price in made}


def test_an_edited_amount_is_recorded_and_only_its_product_read_again(app):
    """catalog/changes.py on both databases: the bump records the edited price's product
    with the version, and the kept market prices lose that product only."""
    made = [make_price(title=f"Plan {n}", product_id=f"CFQ7TTC0C{n:03}", cost=f"{n}.25")
            for n in range(3)]
    db.session.commit()
    ids = [price.sku.product_id for price in made]
    before = rows.market_prices(db.session, version.both(db.session), "US", ids)
    made[1].unit_price = Decimal("99.00")
    db.session.commit()
    versions = version.both(db.session)
    assert changes.since(db.session, versions.catalog - 1, versions.catalog) == {ids[1]}
    after = rows.market_prices(db.session, versions, "US", ids)
    assert after[ids[1]][0].unit_price == Decimal("99.00")
    assert after[ids[0]] is before[ids[0]] and after[ids[2]] is before[ids[2]]
