"""C3 at checkout for a plan the price list puts at end of sale (every SKU tagged
EndOfSale, catalog/importer.py): no new subscription, as for a plan the admin
discontinued. Partner Center is the sandbox, as in every checkout test."""

from __future__ import annotations

import pytest

from persistence import db
from tests.checkout.conftest import us_customer
from tests.checkout.test_b1_price_changed_before_place import orders_of, place_from, problems_in
from tests.checkout.test_b1_price_changed_before_place import review as put_in_cart
from tests.conftest import login


@pytest.fixture
def customer(world):
    return us_customer(world)


def test_a_plan_at_end_of_sale_is_refused_a_new_subscription_c3(browser, world, customer):
    buyer = browser()
    login(buyer, world.reseller_a_user)
    page = put_in_cart(buyer, world, customer)
    world.price.sku.product.end_of_sale = True  # the next list tags every SKU EndOfSale
    db.session.commit()
    refused = place_from(buyer, customer, page)
    assert refused.status_code == 422
    [problem] = problems_in(refused.get_data(as_text=True), "C3.discontinued_offer")
    assert "discontinued by Microsoft" in problem
    assert orders_of(customer) == []
