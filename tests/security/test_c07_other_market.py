"""C7: another market's price is never sold, whatever the path (a probe ordered a DE/EUR
price for a US customer through the API and the cart, and totalled USD and EUR as one)."""

from __future__ import annotations

from sqlalchemy import func, select

from orders.models import CartLine, Order
from persistence import db
from tests.api.factories import bearer
from tests.checkout.conftest import ready_customer
from tests.conftest import login, make_price, post_form


def us_customer_and_a_german_price(world):
    customer = ready_customer(world)
    customer.country, customer.city, customer.postal_code, customer.region = (
        "US", "Redmond", "98052", "WA")
    german = make_price(title="Microsoft 365 E3", product_id="CFQ7TTC0LFLZ",
                        family="microsoft365", market="DE", currency="EUR")
    db.session.commit()
    return customer, german


def test_the_api_refuses_an_order_at_another_markets_price(client, world):
    customer, german = us_customer_and_a_german_price(world)
    body = {"customer_id": customer.id, "lines": [
        {"price_id": world.price.id, "quantity": 1}, {"price_id": german.id, "quantity": 1}]}
    answer = client.post("/api/v1/orders", json=body,
                         headers=bearer(world.reseller_a_user) | {"Idempotency-Key": "c7"})
    assert answer.status_code == 422
    problems = answer.get_json()["error"]["problems"]
    assert [(p["code"], p["line"]) for p in problems] == [("C7.other_market", 1)]
    assert db.session.scalar(select(func.count(Order.id)).filter_by(
        customer_id=customer.id)) == 0


def test_the_cart_refuses_another_markets_price(client, world):
    customer, german = us_customer_and_a_german_price(world)
    login(client, world.reseller_a_user)
    answer = post_form(client, "/cart/add", {"customer": customer.id, "price_id": german.id,
                                             "quantity": 1},
                       token_url=f"/cart?customer={customer.id}")
    assert answer.status_code == 302
    assert db.session.scalar(select(func.count(CartLine.id)).where(
        CartLine.price_id == german.id)) == 0
    page = client.get(f"/cart?customer={customer.id}").get_data(as_text=True)
    assert "DE market" in page
