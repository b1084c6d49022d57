"""A `%` or `_` typed into a search box matches that character, not any text: LIKE's
wildcards are escaped in every search (a probe's "%" listed every customer)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from accounts.models import Customer, Reseller
from accounts.scoping import name_contains
from persistence import db
from tests.conftest import login, make_customer, make_price
from tests.provisioning.databases import BACKENDS, app_on

NAMES = ["100% Cotton", "1000 Cotton", "snake_case Ltd", "snakeXcase Ltd", "Slash/Works",
         "Slash Works"]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("typed", "found"), [
    ("0%", ["100% Cotton"]), ("%", ["100% Cotton"]), ("e_c", ["snake_case Ltd"]),
    ("_", ["snake_case Ltd"]), ("h/w", ["Slash/Works"]), ("COTTON", ["100% Cotton",
                                                                     "1000 Cotton"]),
])
def test_wildcards_typed_in_a_search_match_themselves(backend, tmp_path, typed, found):
    with app_on(backend, tmp_path):
        db.session.add_all(make_customer(None, name) for name in NAMES)
        db.session.commit()
        names = db.session.scalars(select(Customer.company_name).where(name_contains(typed))
                                   .order_by(Customer.company_name)).all()
        assert names == found


@pytest.fixture
def oddly_named(world):
    db.session.add_all([make_customer(world.reseller_a, "100% Cotton"),
                        make_customer(world.reseller_a, "1000 Cotton"),
                        Reseller(company_name="Under_score IT", mpn_id="1234567"),
                        Reseller(company_name="UnderXscore IT", mpn_id="1234568")])
    make_price(title="Percent 100% Plan", product_id="CFQ7TTC0PCT1")
    make_price(title="Percent 1000 Plan", product_id="CFQ7TTC0PCT2")
    db.session.commit()
    return world


def test_a_resellers_customer_search_takes_percent_literally(client, oddly_named):
    login(client, oddly_named.reseller_a_user)
    page = client.get("/customers", query_string={"q": "%"}).get_data(as_text=True)
    assert "100% Cotton" in page and "1000 Cotton" not in page


@pytest.mark.parametrize(("url", "typed", "wanted", "unwanted"), [
    ("/admin/resellers", "_", "Under_score IT", "UnderXscore IT"),
    ("/admin/customers", "0%", "100% Cotton", "1000 Cotton"),
    ("/admin/catalog", "0%", "Percent 100% Plan", "Percent 1000 Plan"),
])
def test_the_admins_searches_take_wildcards_literally(client, oddly_named, url, typed, wanted,
                                                      unwanted):
    login(client, oddly_named.admin)
    page = client.get(url, query_string={"q": typed}).get_data(as_text=True)
    assert wanted in page and unwanted not in page
