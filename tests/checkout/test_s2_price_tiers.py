"""S2 and the price list's tiers: a row prices only the licence counts of its tier.

Microsoft's price list may price one offer in rows by licence count (PricingTierRangeMin
to PricingTierRangeMax). The shop shows each row with its range; the cart, its review and
the order price a line at the row whose range holds its quantity, moving it when the
quantity changes; a quantity no row's range holds is refused (S2), in the cart and through
the API, instead of being sold at another tier's price. Partner Center is the sandbox.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from catalog import effective
from catalog.models import Price
from orders.models import CartLine
from persistence import db
from tests.api.conftest import order_body
from tests.api.factories import bearer
from tests.checkout.conftest import us_customer
from tests.checkout.test_b1_price_changed_before_place import orders_of, place_from, problems_in
from tests.conftest import login, post_form


def upper_tier(low: Price, tier_min: int, tier_max: int | None, cost: str, erp: str) -> Price:
    """Another row of `low`'s offer, for the licence counts tier_min..tier_max."""
    high = Price(sku=low.sku, term_duration=low.term_duration, billing_cycle=low.billing_cycle,
                 market=low.market, currency=low.currency, tier_min=tier_min,
                 tier_max=tier_max, unit_price=Decimal(cost), erp_price=Decimal(erp))
    db.session.add(high)
    return high


@pytest.fixture
def tiers(world):
    """The world's plan in two tiers: 1-300 licences at 12.50, 301-1,000 at 11.00."""
    low = world.price
    low.tier_max = 300
    high = upper_tier(low, 301, 1000, "9.00", "11.00")
    db.session.commit()
    return low, high


@pytest.fixture
def ready(world):
    """A reseller-A customer in the price's market (US), every rule met."""
    return us_customer(world)


def add(buyer, customer, price, quantity: int):
    return post_form(buyer, "/cart/add", {"customer": str(customer.id),
                                          "price_id": str(price.id),
                                          "quantity": str(quantity)},
                     token_url=f"/shop?customer={customer.id}")


def cart_lines(customer) -> list[tuple[int, int]]:
    return [tuple(row) for row in db.session.execute(
        select(CartLine.price_id, CartLine.quantity)
        .where(CartLine.cart.has(customer_id=customer.id)))]


def test_s2_a_row_prices_only_its_tier():
    row = Price(tier_min=301, tier_max=1000)
    assert [effective.fits_tier(row, n) for n in (300, 301, 1000, 1001)] == [
        False, True, True, False]
    assert effective.tier_words(row) == "301–1,000 licenses"
    assert effective.tier_words(Price(tier_min=1001, tier_max=None)) == "1,001+ licenses"
    assert not effective.is_tiered(Price(tier_min=1, tier_max=None))
    assert effective.tier_for([Price(tier_min=1, tier_max=300), row], 500) is row


def test_s2_the_shop_shows_each_tier_with_its_range_and_least_quantity(
        buyer, world, tiers, ready):
    low, high = tiers
    page = buyer.get(f"/shop?customer={ready.id}").get_data(as_text=True)
    rows = {int(i): body for i, body in re.findall(
        r'<tr data-price-id="(\d+)">(.*?)</tr>', page, re.S)}
    assert "1–300 licenses" in rows[low.id] and "$12.50" in rows[low.id]
    assert "301–1,000 licenses" in rows[high.id] and "$11.00" in rows[high.id]
    assert 'name="quantity" value="301" min="301" max="1000"' in rows[high.id]


def test_s2_the_cart_moves_a_line_to_the_tier_its_quantity_falls_in(
        buyer, world, tiers, ready):
    low, high = tiers
    assert add(buyer, ready, low, 200).status_code == 302
    assert add(buyer, ready, low, 150).status_code == 302  # the same offer adds up: 350
    assert cart_lines(ready) == [(high.id, 350)]
    page = buyer.get(f"/cart?customer={ready.id}").get_data(as_text=True)
    assert "at the price for 301–1,000 licenses" in page and "$11.00" in page
    # One billing option for the term, in the tier of the line's quantity.
    assert page.count(f'<option value="{high.id}" selected>') == 1
    assert f'<option value="{low.id}"' not in page

    [line] = db.session.scalars(select(CartLine)).all()
    changed = post_form(buyer, f"/cart/{ready.id}/lines/{line.id}",
                        {"quantity": "10", "price_id": str(high.id)},
                        token_url=f"/cart?customer={ready.id}")
    assert changed.status_code == 302
    assert cart_lines(ready) == [(low.id, 10)]


def test_s2_a_quantity_no_tier_prices_is_refused_in_the_cart(buyer, world, tiers, ready):
    low, _ = tiers
    refused = add(buyer, ready, low, 1500)
    assert refused.status_code == 302
    message = buyer.get(refused.location).get_data(as_text=True)
    assert "1–300 licenses, 301–1,000 licenses; 1,500 licenses is in none of them (S2)" \
        in message
    assert cart_lines(ready) == []


def test_s2_the_order_records_the_tier_its_quantity_falls_in(buyer, world, tiers, ready):
    low, high = tiers
    add(buyer, ready, low, 400)
    placed = place_from(buyer, ready, buyer.get(f"/cart?customer={ready.id}")
                        .get_data(as_text=True))
    assert placed.status_code == 302
    [order] = orders_of(ready)
    assert (order.lines[0].price_id, order.lines[0].unit_price) == (high.id, Decimal("11.00"))


def test_s2_the_api_prices_a_quantity_at_its_tier(client, world, tiers, ready):
    low, _ = tiers
    as_a = bearer(world.reseller_a_user)
    checked = client.post("/api/v1/checkout/validate", json=order_body(ready, low, 400),
                          headers=as_a)
    assert checked.status_code == 200, checked.get_json()
    assert checked.get_json()["unit_prices"] == ["11.0000"]
    offers = client.get(f"/api/v1/catalog/offers?customer_id={ready.id}",
                        headers=as_a).get_json()
    prices = [p for o in offers["items"] for p in o["prices"] if p["price_id"] == low.id]
    assert [(p["tier_min"], p["tier_max"]) for p in prices] == [(1, 300)]


def test_s2_the_api_refuses_a_quantity_no_tier_prices(client, world, tiers, ready):
    low, _ = tiers
    refused = client.post("/api/v1/checkout/validate", json=order_body(ready, low, 1500),
                          headers=bearer(world.reseller_a_user))
    assert refused.status_code == 422
    [problem] = refused.get_json()["error"]["problems"]
    assert problem["code"] == "S2.quantity_outside_price_tier"
    assert problem["field"] == "quantity" and "1–300 licenses" in problem["message"]


def test_s2_a_line_left_outside_its_tier_is_refused_at_checkout(buyer, world, tiers, ready):
    low, _ = tiers
    add(buyer, ready, low, 200)
    page = buyer.get(f"/cart?customer={ready.id}").get_data(as_text=True)
    low.tier_max = 100  # a new price list: no tier prices 101-300 licences any more
    db.session.commit()
    refused = place_from(buyer, ready, page)
    assert refused.status_code == 422
    [problem] = problems_in(refused.get_data(as_text=True), "S2.quantity_outside_price_tier")
    assert "200 licenses" in problem and "order 1–100 licenses at this price" in problem
    assert orders_of(ready) == []


def test_s2_the_admin_sees_each_rows_tier(browser, world, tiers):
    low, high = tiers
    admin = browser()
    login(admin, world.admin)
    page = admin.get(f"/admin/catalog/{low.sku.product_id}").get_data(as_text=True)
    assert "for 1–300 licenses" in page and "for 301–1,000 licenses" in page
