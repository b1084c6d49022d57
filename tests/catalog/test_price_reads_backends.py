"""The shop's price read and the workers' read-ahead on both databases (#27): a
fixed-arity IN, padded and paged, and the SKU names kept per listing version."""

from __future__ import annotations

import pytest

from catalog import rows, version
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
