"""The cart, its review and the order price a line at the price-list row sold today (UTC).

A row of next month's price list, imported early, takes over on its start date with no
re-import: a line put in the cart before then is priced at the new row from that day on,
its order records the new row, and a review shown the day before refuses to place at the
old price (B1). A row past its end with no newer row is not sold: the cart refuses it, and
a line already in a cart is refused at checkout (C3.price_not_sold). Partner Center is the
sandbox, as in every checkout test.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine

from persistence import db
from tests.catalog.test_price_effective_dates import DAWN, EVE, START, successor
from tests.checkout.conftest import us_customer
from tests.checkout.test_b1_price_changed_before_place import (
    orders_of,
    place_from,
    problems_in,
    review,
)
from tests.conftest import login, post_form


@pytest.fixture
def customer(world):
    """A reseller-A customer in the price's market (US), every rule met."""
    return us_customer(world)


def signed_in(browser, world):
    client = browser()
    login(client, world.reseller_a_user)
    return client


def cart_page(buyer, customer) -> str:
    return buyer.get(f"/cart?customer={customer.id}").get_data(as_text=True)


def test_an_order_placed_before_the_next_rows_start_is_at_todays_price(
        browser, world, customer):
    successor(world.price, START, "14.00")
    with time_machine.travel(EVE, tick=False):
        buyer = signed_in(browser, world)
        page = review(buyer, world, customer)
        assert "$12.50" in page and "$14.00" not in page
        placed = place_from(buyer, customer, page)
    assert placed.status_code == 302
    [order] = orders_of(customer)
    assert (order.lines[0].price_id, order.lines[0].unit_price) == (
        world.price.id, Decimal("12.50"))


def test_on_the_start_date_the_cart_and_the_order_take_the_new_row_with_no_reimport(
        browser, world, customer):
    new = successor(world.price, START, "14.00")
    with time_machine.travel(EVE, tick=False) as clock:
        buyer = signed_in(browser, world)
        eve_page = review(buyer, world, customer)  # the line is at today's row
        clock.move_to(DAWN)
        stale = place_from(buyer, customer, eve_page)  # placed at the price the buyer read
        assert stale.status_code == 422
        [changed] = problems_in(stale.get_data(as_text=True), "B1.price_changed")
        assert "now $14.00" in changed
        page = cart_page(buyer, customer)
        assert "$14.00" in page and "$12.50" not in page
        placed = place_from(buyer, customer, page)
    assert placed.status_code == 302
    [order] = orders_of(customer)
    assert (order.lines[0].price_id, order.lines[0].unit_price) == (new.id, Decimal("14.00"))


def test_a_row_past_its_end_cannot_be_put_in_the_cart(browser, world, customer):
    world.price.effective_end = START - timedelta(days=1)
    db.session.commit()
    with time_machine.travel(DAWN, tick=False):
        buyer = signed_in(browser, world)
        answer = post_form(buyer, "/cart/add", {
            "customer": str(customer.id), "price_id": str(world.price.id), "quantity": "1"},
            token_url=f"/shop?customer={customer.id}")
        assert answer.status_code == 302
        assert "no longer available" in cart_page(buyer, customer)
    assert orders_of(customer) == []


def test_a_line_whose_row_has_ended_is_refused_at_checkout_c3(browser, world, customer):
    world.price.effective_end = START - timedelta(days=1)
    db.session.commit()
    with time_machine.travel(EVE, tick=False) as clock:
        buyer = signed_in(browser, world)
        review(buyer, world, customer)
        clock.move_to(DAWN)
        page = cart_page(buyer, customer)
        refused = place_from(buyer, customer, page)
    assert refused.status_code == 422
    [problem] = problems_in(refused.get_data(as_text=True), "C3.price_not_sold")
    assert "no longer sold at this price" in problem
    assert orders_of(customer) == []
