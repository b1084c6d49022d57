"""The list filters and CSV exports stay inside the viewer's scope: a reseller's export
never holds another reseller's rows, whatever customer or reseller id it names, and a
customer's holds only its own company's."""

from __future__ import annotations

import csv
import io

import pytest

from persistence import db
from tests.conftest import login
from tests.orders.factories import another_order, bought

EXPORTS = ("/orders?format=csv", "/subscriptions?format=csv", "/customers?format=csv")


def exported(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    return response.get_data(as_text=True)


@pytest.fixture
def bought_by_both(world):
    bought(world.order_a)
    bought(world.order_b)
    bought(another_order(world.direct, world.direct_user, world.price, 1))
    db.session.commit()
    return world


@pytest.mark.parametrize("url", EXPORTS)
def test_a_resellers_export_never_holds_another_resellers_rows(client, bought_by_both, url):
    world = bought_by_both
    login(client, world.reseller_a_user)

    text = exported(client, url)

    assert "Alpha GmbH" in text and "Beta GmbH" not in text and "Direct Ltd" not in text


@pytest.mark.parametrize("url", EXPORTS[:2])
def test_naming_another_resellers_customer_or_reseller_exports_nothing_of_it(
        client, bought_by_both, url):
    world = bought_by_both
    login(client, world.reseller_a_user)

    named = exported(client, f"{url}&customer={world.customer_b.id}"
                             f"&reseller={world.reseller_b.id}")

    assert "Beta GmbH" not in named
    assert len(list(csv.reader(io.StringIO(named)))) == 1  # the header alone


@pytest.mark.parametrize("url", EXPORTS[:2])
def test_a_customers_export_holds_only_its_own_company(client, bought_by_both, url):
    world = bought_by_both
    login(client, world.direct_user)

    text = exported(client, url)

    assert "Direct Ltd" in text
    assert "Alpha GmbH" not in text and "Beta GmbH" not in text


def test_a_customer_user_cannot_export_the_customer_list(client, world):
    login(client, world.direct_user)

    assert client.get("/customers?format=csv").status_code == 403
