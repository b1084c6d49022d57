"""B1: an order is placed at the prices its buyer reviewed, or refused with the new ones.

An admin's price edit or a reseller markup change between the review (the cart page) and
Place order refuses the order with B1.price_changed, showing the old and the new unit
price and the new total; nothing is ordered, the cart is kept, and Place order on the
refreshed page buys at the new price. The API does the same for clients that send the
prices they expect. Partner Center is the sandbox, as in every checkout test.
"""

from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from catalog.models import ResellerMarkup
from orders.models import CartLine, Order
from persistence import db
from tests.api.factories import bearer
from tests.catalog.previews import preview_then_save
from tests.checkout.conftest import us_customer
from tests.conftest import login, post_form


@pytest.fixture
def customer(world):
    """A reseller-A customer in the price's market (US), every rule met."""
    return us_customer(world)


@pytest.fixture
def admin(browser, world):
    client = browser()
    login(client, world.admin)
    return client


def review(buyer, world, customer, quantity: int = 2) -> str:
    """Put the plan in the cart and open the review page (the cart) the buyer reads."""
    post_form(buyer, "/cart/add", {"customer": str(customer.id), "price_id": str(world.price.id),
                                   "quantity": str(quantity)},
              token_url=f"/shop?customer={customer.id}")
    return buyer.get(f"/cart?customer={customer.id}").get_data(as_text=True)


def place_from(buyer, customer, page: str):
    """Click Place order on this page: its idempotency key and price quote, as shown."""
    form = page[page.index(f'action="/cart/{customer.id}/place"'):]
    fields = dict(re.findall(r'<input type="hidden" name="(idempotency_key|quote)" '
                             r'value="([^"]*)"', form)[:2])
    assert set(fields) == {"idempotency_key", "quote"}
    return post_form(buyer, f"/cart/{customer.id}/place",
                     {k: html.unescape(v) for k, v in fields.items()},
                     token_url=f"/cart?customer={customer.id}")


def set_retail(admin, world, amount: str) -> None:
    saved = preview_then_save(admin, f"/admin/catalog/prices/{world.price.id}",
                              {"retail_price": amount}, token_url="/admin/catalog")
    assert saved.status_code == 302


def set_markup(admin, world, percent: str) -> None:
    saved = preview_then_save(admin, f"/admin/catalog/markups/{world.reseller_a.id}",
                              {"product_id": "", "markup_percent": percent})
    assert saved.status_code == 302


def orders_of(customer) -> list[Order]:
    return list(db.session.scalars(select(Order).where(Order.customer_id == customer.id)))


def cart_quantity(customer) -> int:
    return db.session.scalar(select(func.sum(CartLine.quantity)).join(CartLine.cart)
                             .where(CartLine.cart.has(customer_id=customer.id)))


def problems_in(page: str, code: str) -> list[str]:
    return [html.unescape(m) for m in re.findall(
        rf'data-code="{re.escape(code)}">([^<]*)<', page)]


def test_b1_a_price_the_admin_edits_after_the_review_refuses_the_order_with_both_prices(
        buyer, admin, world, customer):
    page = review(buyer, world, customer)
    assert "$12.50" in page
    set_retail(admin, world, "13.49")

    refused = place_from(buyer, customer, page)

    body = refused.get_data(as_text=True)
    assert refused.status_code == 422
    [changed] = problems_in(body, "B1.price_changed")
    assert "$12.50" in changed and "$13.49" in changed
    [total] = problems_in(body, "B1.total_changed")
    assert "$26.98" in total and "$25.00" in total
    assert orders_of(customer) == []
    assert cart_quantity(customer) == 2  # the cart is kept as it was


def test_b1_placing_again_from_the_refreshed_review_buys_at_the_new_price(
        buyer, admin, world, customer):
    page = review(buyer, world, customer)
    set_retail(admin, world, "13.49")
    refused = place_from(buyer, customer, page)

    placed = place_from(buyer, customer, refused.get_data(as_text=True))

    assert placed.status_code == 302
    [order] = orders_of(customer)
    assert order.lines[0].unit_price == Decimal("13.49")
    assert order.total == Decimal("26.98")


def test_b1_a_markup_change_after_the_review_refuses_then_places_at_the_new_price(
        buyer, admin, world, customer):
    db.session.add(ResellerMarkup(reseller_id=world.reseller_a.id, product_id=None,
                                  markup_percent=Decimal("10")))
    db.session.commit()
    page = review(buyer, world, customer)  # cost 10.00 + 10 % = 11.00
    set_markup(admin, world, "20")

    refused = place_from(buyer, customer, page)

    assert refused.status_code == 422
    [changed] = problems_in(refused.get_data(as_text=True), "B1.price_changed")
    assert "$11.00" in changed and "$12.00" in changed
    assert orders_of(customer) == []
    assert place_from(buyer, customer, refused.get_data(as_text=True)).status_code == 302
    [order] = orders_of(customer)
    assert order.lines[0].unit_price == Decimal("12.00")


def test_b1_an_unchanged_price_places_the_order_as_reviewed(buyer, world, customer):
    page = review(buyer, world, customer)

    placed = place_from(buyer, customer, page)

    assert placed.status_code == 302
    [order] = orders_of(customer)
    assert order.lines[0].unit_price == Decimal("12.50") and order.total == Decimal("25.00")


def test_b1_a_double_submit_after_a_price_change_returns_the_first_order(
        buyer, admin, world, customer):
    page = review(buyer, world, customer)
    first = place_from(buyer, customer, page)
    set_retail(admin, world, "13.49")

    again = place_from(buyer, customer, page)  # the same click, sent twice

    assert again.status_code == 302 and again.location == first.location
    [order] = orders_of(customer)
    assert order.lines[0].unit_price == Decimal("12.50")


def api_lines(world, customer, **expected) -> dict:
    line = {"price_id": world.price.id, "quantity": 2}
    if "unit" in expected:
        line["expected_unit_price"] = expected["unit"]
    body = {"customer_id": customer.id, "lines": [line]}
    if "total" in expected:
        body["expected_total"] = expected["total"]
    return body


def test_b1_the_api_refuses_an_order_whose_expected_price_changed_and_places_the_new_one(
        client, admin, world, customer):
    headers = bearer(world.reseller_a_user)
    quoted = client.post("/api/v1/checkout/validate", json=api_lines(world, customer),
                         headers=headers).get_json()
    assert [Decimal(unit) for unit in quoted["unit_prices"]] == [Decimal("12.50")]
    assert Decimal(quoted["total"]) == Decimal("25.00")
    set_retail(admin, world, "13.49")

    refused = client.post("/api/v1/orders", json=api_lines(
        world, customer, unit=quoted["unit_prices"][0], total=quoted["total"]),
        headers={**headers, "Idempotency-Key": "b1-api-1"})

    assert refused.status_code == 422
    problems = {p["code"]: p for p in refused.get_json()["error"]["problems"]}
    assert problems["B1.price_changed"]["line"] == 0
    assert (Decimal(problems["B1.price_changed"]["previous"]),
            Decimal(problems["B1.price_changed"]["current"])) == (Decimal("12.50"),
                                                                  Decimal("13.49"))
    assert Decimal(problems["B1.total_changed"]["current"]) == Decimal("26.98")
    assert orders_of(customer) == []
    placed = client.post("/api/v1/orders", json=api_lines(
        world, customer, unit="13.49", total="26.98"),
        headers={**headers, "Idempotency-Key": "b1-api-2"})
    assert placed.status_code == 201
    assert Decimal(placed.get_json()["lines"][0]["unit_price"]) == Decimal("13.49")


def test_b1_an_api_order_without_expected_prices_is_placed_at_the_current_price(
        client, admin, world, customer):
    set_retail(admin, world, "13.49")
    placed = client.post("/api/v1/orders", json=api_lines(world, customer),
                         headers={**bearer(world.reseller_a_user), "Idempotency-Key": "b1-old"})
    assert placed.status_code == 201
    assert Decimal(placed.get_json()["lines"][0]["unit_price"]) == Decimal("13.49")
