"""B1: a user of a reseller's customer buys at the retail price its reseller invoices it.

The shop, the cart, the checkout's review, the placed order (page, list and API) and the
subscription's renewal show that user one retail price, never the reseller's price (cost
plus markup). The order line still records what the provider bills the reseller, exactly as
when the reseller places the same order; the reseller still sees its cost and retail.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from accounts.models import Role
from accounts.services import new_user
from billing.charges import generate_charges
from billing.models import Charge
from catalog.models import Price, ResellerMarkup
from orders.models import Order
from persistence import db
from provisioning.jobs import provision_order
from subscriptions.models import Subscription
from tests.api.factories import bearer
from tests.checkout.conftest import us_customer
from tests.conftest import PASSWORD, login, post_form, served

RETAIL, RESELLERS = "$12.50", "$11.00"  # world.price: erp 12.50, cost 10.00; markup 10 %


@pytest.fixture
def markup(world):
    """Reseller A sells at its cost plus 10 %: its price (11.00) is below retail (12.50)."""
    db.session.add(ResellerMarkup(reseller_id=world.reseller_a.id, product_id=None,
                                  markup_percent=Decimal("10")))
    db.session.commit()


@pytest.fixture
def end_user(world, markup):
    """A customer user of a reseller-A customer (invited on its customer page)."""
    user = new_user("it@gamma.example", PASSWORD, Role.CUSTOMER_USER,
                    customer=us_customer(world, "Gamma Inc"))
    db.session.add(user)
    db.session.commit()
    return user


def shop_prices(client) -> list[str]:
    page = client.get("/shop").get_data(as_text=True)
    return [p.strip() for p in re.findall(r'data-testid="price">([^<]+)<', page)]


def cart_units(page: str) -> list[str]:
    return re.findall(r'<td class="num"[^>]*>([^<]+) <small class="muted">per license', page)


def order_amounts(page: str) -> list[str]:
    return re.findall(r'<td class="num"[^>]*>([^<]+) <small class="muted">per month', page)


def add_and_place(client, customer, key: str, quantity: int = 1):
    token_url = f"/shop?customer={customer.id}"
    post_form(client, "/cart/add", {"customer": str(customer.id), "price_id": _price_id(),
                                    "quantity": str(quantity)}, token_url=token_url)
    placed = post_form(client, f"/cart/{customer.id}/place", {"idempotency_key": key},
                       token_url=f"/cart?customer={customer.id}")
    assert placed.status_code == 302, placed.get_data(as_text=True)
    return db.session.scalar(select(Order).where(Order.customer_id == customer.id)
                             .order_by(Order.id.desc()))


def _price_id() -> str:
    return str(db.session.scalar(select(Price.id).where(Price.market == "US")))


def test_b1_an_end_customer_sees_one_retail_price_from_the_shop_to_the_placed_order(
        client, world, end_user):
    customer = end_user.customer
    login(client, end_user)
    assert shop_prices(client) == [RETAIL]
    order = add_and_place(client, customer, "b1-page", quantity=1)
    order_page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert order_amounts(order_page) == [RETAIL]
    assert RESELLERS not in order_page
    # The cart and the review (the dry run) before placing a second order
    post_form(client, "/cart/add", {"price_id": _price_id(), "quantity": "1"},
              token_url="/shop")
    cart = client.get("/cart").get_data(as_text=True)
    assert cart_units(cart) == [RETAIL] and RESELLERS not in cart
    review = post_form(client, f"/cart/{customer.id}/check", {}, token_url="/cart")
    body = review.get_data(as_text=True)
    assert cart_units(body) == [RETAIL] and RESELLERS not in body
    listing = client.get("/orders").get_data(as_text=True)
    assert RETAIL in listing and RESELLERS not in listing
    exported = served(client, "/orders?format=csv").get_data(as_text=True)
    assert "12.50" in exported and "11.00" not in exported
    company = client.get("/company").get_data(as_text=True)
    assert RETAIL in company and RESELLERS not in company


def test_b1_the_reseller_still_sees_its_price_on_its_customers_order(
        browser, world, end_user):
    client, reseller = browser(), browser()
    login(client, end_user)
    order = add_and_place(client, end_user.customer, "b1-reseller")
    login(reseller, world.reseller_a_user)
    page = reseller.get(f"/orders/{order.id}").get_data(as_text=True)
    assert order_amounts(page) == [RESELLERS]
    shop = reseller.get(f"/shop?customer={end_user.customer_id}").get_data(as_text=True)
    assert re.findall(r'data-testid="price">([^<]+) <', shop) == [RESELLERS]
    assert re.findall(r'data-testid="retail">([^<]+) <', shop) == [RETAIL]


def test_b1_an_order_placed_by_the_end_customer_is_billed_as_if_its_reseller_placed_it(
        browser, world, end_user, pc_client, app):
    """Same unit price (the reseller's), same retail for the re-invoice, same charges."""
    app.config.update(PROVISIONING_BACKOFF_SECONDS=0, PROVISIONING_POLL_SECONDS=0)
    client, reseller = browser(), browser()
    login(client, end_user)
    by_customer = add_and_place(client, end_user.customer, "b1-same", quantity=3)
    login(reseller, world.reseller_a_user)
    by_reseller = add_and_place(reseller, us_customer(world, "Delta Inc"), "b1-same",
                                quantity=3)

    def recorded(order):
        line = order.lines[0]
        return (order.reseller_id, order.currency, order.total, line.price_id,
                line.unit_price, line.quantity, line.partner_of_record)

    assert recorded(by_customer) == recorded(by_reseller)
    assert by_customer.lines[0].unit_price == Decimal("11.00")
    for order in (by_customer, by_reseller):
        assert provision_order(order.id, pc_client) == "provisioned"
    # The month's run on the real today: a run dated the 28th charged nothing for seats
    # bought on the 29th, 30th or 31st.
    today = datetime.now(UTC).date()
    generate_charges(today.strftime("%Y-%m"), today)

    def charged(order):
        sub = db.session.scalar(select(Subscription).where(
            Subscription.order_line_id == order.lines[0].id))
        return [(c.charge_type, c.quantity, c.unit_price, c.retail_unit_price, c.amount)
                for c in db.session.scalars(select(Charge).where(
                    Charge.subscription_id == sub.id))]

    assert charged(by_customer) == charged(by_reseller)
    assert {c[2:4] for c in charged(by_customer)} == {(Decimal("11.00"), Decimal("12.50"))}


def test_b1_the_api_answers_an_end_customer_with_retail_and_its_reseller_with_its_price(
        browser, world, end_user):
    client = browser()
    login(client, end_user)
    order = add_and_place(client, end_user.customer, "b1-api", quantity=2)
    mine = client.get(f"/api/v1/orders/{order.id}", headers=bearer(end_user)).get_json()
    assert money(mine) == (Decimal("25.00"), Decimal("12.50"))
    listed = client.get("/api/v1/orders", headers=bearer(end_user)).get_json()
    assert [money(o) for o in listed["items"]] == [(Decimal("25.00"), Decimal("12.50"))]
    theirs = client.get(f"/api/v1/orders/{order.id}",
                        headers=bearer(world.reseller_a_user)).get_json()
    assert money(theirs) == (Decimal("22.00"), Decimal("11.00"))
    assert mine["total"] == "25.0000"  # written as the reseller's stored amounts are


def money(answer: dict) -> tuple[Decimal, Decimal]:
    return Decimal(answer["total"]), Decimal(answer["lines"][0]["unit_price"])


def test_b1_an_end_customer_sees_its_subscription_and_its_renewal_at_retail(
        browser, world, end_user, pc_client, app):
    app.config.update(PROVISIONING_BACKOFF_SECONDS=0, PROVISIONING_POLL_SECONDS=0)
    client = browser()
    login(client, end_user)
    order = add_and_place(client, end_user.customer, "b1-renewal", quantity=2)
    assert provision_order(order.id, pc_client) == "provisioned"
    sub = db.session.scalar(select(Subscription).where(
        Subscription.order_line_id == order.lines[0].id))
    page = client.get(f"/subscriptions/{sub.id}").get_data(as_text=True)
    assert re.search(r'id="subscription-price">\$12\.50 ', page)
    assert re.search(r'id="next-term-price">\$25\.00<', page)  # 2 licenses at retail
    calendar = client.get("/renewals").get_data(as_text=True)
    assert "$25.00" in calendar and "$22.00" not in calendar
    reseller = browser()
    login(reseller, world.reseller_a_user)
    theirs = reseller.get(f"/subscriptions/{sub.id}").get_data(as_text=True)
    assert re.search(r'id="next-term-price">\$22\.00<', theirs)
