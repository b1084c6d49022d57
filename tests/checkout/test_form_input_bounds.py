"""Out-of-range numbers and oversized text in the checkout forms and URLs get a clear
answer on both databases, never a 500: PostgreSQL refuses what SQLite would store."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from connectors.partner_center.app_client import KEY
from orders import cart as carts
from orders.models import Cart, Order
from persistence import db
from tests.api.factories import make_subscription
from tests.catalog.test_catalog_admin import product_form
from tests.checkout.conftest import confirm_mca
from tests.conftest import login, post_form
from tests.provisioning.databases import BACKENDS, app_on

HUGE = 2**40  # beyond PostgreSQL's integer


@pytest.fixture(params=BACKENDS)
def app(request, tmp_path, pc_client):
    with app_on(request.param, tmp_path) as app:
        app.extensions[KEY] = pc_client
        yield app


@pytest.fixture
def buyer(client, world):
    login(client, world.reseller_a_user)
    return world.customer_a


def cart_url(customer) -> str:
    return f"/cart?customer={customer.id}"


@pytest.mark.parametrize("field", ["price_id", "quantity"])
def test_adding_a_number_beyond_range_to_the_cart_is_refused_by_name(client, world, buyer,
                                                                       field):
    data = {"customer": buyer.id, "price_id": world.price.id, "quantity": 1, field: HUGE}
    response = post_form(client, "/cart/add", data, token_url=cart_url(buyer))
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "flash-error" in page
    assert db.session.scalar(select(Cart).filter_by(customer_id=buyer.id)).lines == []


def test_a_quantity_beyond_range_on_a_cart_line_is_refused(client, world, buyer):
    the_cart = carts.cart_for(world.reseller_a_user, buyer)
    carts.add_line(the_cart, world.price.id, 2)
    line = the_cart.lines[0]
    response = post_form(client, f"/cart/{buyer.id}/lines/{line.id}",
                         {"quantity": HUGE, "price_id": world.price.id},
                         token_url=cart_url(buyer))
    assert response.status_code == 302
    assert "flash-error" in client.get(cart_url(buyer)).get_data(as_text=True)
    db.session.refresh(line)
    assert line.quantity == 2


def test_an_oversized_idempotency_key_still_places_one_order(client, world, buyer):
    confirm_mca(buyer, world.reseller_a_user)
    buyer.phone = "+49 30 1"
    db.session.commit()
    world.order_a.status = "provisioned"  # K6: the earlier monthly order is done
    db.session.commit()
    carts.add_line(carts.cart_for(world.reseller_a_user, buyer), world.price.id, 1)
    key = "k" * 500
    first = post_form(client, f"/cart/{buyer.id}/place", {"idempotency_key": key},
                      token_url=cart_url(buyer))
    assert first.status_code == 302, first.get_data(as_text=True)[:500]
    again = post_form(client, f"/cart/{buyer.id}/place", {"idempotency_key": key},
                      token_url=cart_url(buyer))
    assert again.headers["Location"] == first.headers["Location"]
    assert len(db.session.scalars(select(Order).filter_by(customer_id=buyer.id)).all()) == 2


@pytest.mark.parametrize("url", [f"/cart?customer={HUGE}", f"/orders/{HUGE}",
                                 f"/customers/{HUGE}", f"/customers/{HUGE}/edit",
                                 f"/subscriptions/{HUGE}", f"/shop?customer={HUGE}"])
def test_an_id_beyond_range_in_a_url_is_not_found(client, buyer, url):
    assert client.get(url).status_code == 404


def test_a_page_number_beyond_range_shows_an_empty_page(client, buyer):
    response = client.get(f"/orders?page={10**30}")
    assert response.status_code == 200 and "No orders yet." in response.get_data(as_text=True)


@pytest.mark.parametrize("who", ["reseller", "admin"])
def test_licenses_beyond_range_for_a_subscription_are_refused_s2(client, world, who):
    sub = make_subscription(world.customer_a, world.price, quantity=3,
                            pc_subscription_id="4f3c2a10-0000-4000-8000-000000000001")
    login(client, world.reseller_a_user if who == "reseller" else world.admin)
    page = f"/subscriptions/{sub.id}"
    # Over the plan's maximum, whoever asks: refused before Partner Center's seats are
    # read (the count a reseller's extra licenses would be counted from).
    response = post_form(client, f"{page}/quantity", {"quantity": HUGE}, token_url=page)
    assert response.status_code == 422 and 'data-code="S2.over_maximum"' in response.get_data(
        as_text=True)
    response = post_form(client, f"{page}/licenses", {"quantity": HUGE}, token_url=page)
    assert response.status_code in (403, 422)  # only buyers add licenses through the cart
    db.session.refresh(sub)
    assert sub.quantity == 3


def test_an_admin_quantity_bound_beyond_range_is_refused_on_the_form(client, world):
    product = world.price.sku.product
    login(client, world.admin)
    response = post_form(client, f"/admin/catalog/{product.id}",
                         product_form(product, max_quantity=str(HUGE)))
    assert response.status_code == 422
    db.session.refresh(product)
    assert product.max_quantity != HUGE


def test_a_retail_price_beyond_what_money_columns_hold_is_refused(client, world):
    login(client, world.admin)
    response = post_form(client, f"/admin/catalog/prices/{world.price.id}",
                         {"retail_price": "12345678901.00"}, token_url="/admin/catalog")
    assert response.status_code < 500
    db.session.refresh(world.price)
    assert world.price.retail_price is None


@pytest.mark.parametrize(("typed", "says"), [
    ("abc", "Quantity: “abc” is not a whole number of licenses"),
    ("1.5", "Quantity: “1.5” is not a whole number of licenses"),
    ("9" * 40, "is more than any plan sells")])
def test_a_cart_quantity_that_is_no_whole_number_is_named_as_such(client, world, buyer, typed,
                                                                  says):
    """It read as 0 and was answered "order at least 1 license"."""
    the_cart = carts.cart_for(world.reseller_a_user, buyer)
    carts.add_line(the_cart, world.price.id, 2)
    line = the_cart.lines[0]
    post_form(client, f"/cart/{buyer.id}/lines/{line.id}",
              {"quantity": typed, "price_id": world.price.id}, token_url=cart_url(buyer))
    assert says in client.get(cart_url(buyer)).get_data(as_text=True)
    db.session.refresh(line)
    assert line.quantity == 2


def test_a_cart_line_changed_or_removed_says_so(client, world, buyer):
    the_cart = carts.cart_for(world.reseller_a_user, buyer)
    carts.add_line(the_cart, world.price.id, 2)
    line_id, title = the_cart.lines[0].id, world.price.sku.title
    post_form(client, f"/cart/{buyer.id}/lines/{line_id}",
              {"quantity": "3", "price_id": world.price.id}, token_url=cart_url(buyer))
    assert f"Updated {title}: 3 licenses" in client.get(cart_url(buyer)).get_data(as_text=True)
    post_form(client, f"/cart/{buyer.id}/lines/{line_id}", {"remove": "1"},
              token_url=cart_url(buyer))
    assert f"Removed {title} from the cart." in \
        client.get(cart_url(buyer)).get_data(as_text=True)
