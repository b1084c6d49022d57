"""An idempotency key belongs to whoever sent it: another owner's same key neither returns
their order nor blocks a new one (the checkout form's key was global, so a user who learnt
another's key was sent to that order and their own was never placed)."""

from __future__ import annotations

from sqlalchemy import select

from orders import cart as carts
from orders.models import Order
from persistence import db
from tests.api.conftest import order_body
from tests.api.factories import bearer
from tests.checkout.conftest import confirm_mca, ready_customer
from tests.conftest import login, make_customer, post_form


def ready_for_b(world):
    """A reseller-B customer every rule accepts, with one line in B's cart."""
    customer = make_customer(world.reseller_b, "Delta GmbH", phone="+49 30 556")
    db.session.add(customer)
    db.session.commit()
    confirm_mca(customer, world.reseller_b_user)
    carts.add_line(carts.cart_for(world.reseller_b_user, customer), world.price.id, 2)
    return customer


class Browser:
    """One user's browser. Each request runs in an app context of its own: the fixture's
    context would otherwise keep the first signed-in user for every client."""

    def __init__(self, app, user):
        self.app, self.client = app, app.test_client()
        self.run(lambda: login(self.client, user))

    def run(self, action):
        with self.app.app_context():
            return action()

    def place(self, customer, key):
        return self.run(lambda: post_form(self.client, f"/cart/{customer.id}/place",
                                          {"idempotency_key": key},
                                          token_url=f"/cart?customer={customer.id}"))

    def page(self, url):
        return self.run(lambda: self.client.get(url).get_data(as_text=True))


def orders_of(customer) -> list[Order]:
    return db.session.scalars(select(Order).filter_by(customer_id=customer.id)).all()


def test_another_users_form_key_places_their_own_order(app, world):
    mine = ready_customer(world)
    carts.add_line(carts.cart_for(world.reseller_a_user, mine), world.price.id, 5)
    theirs = ready_for_b(world)
    first = Browser(app, world.reseller_a_user).place(mine, "leaked-key")
    second = Browser(app, world.reseller_b_user).place(theirs, "leaked-key")
    (my_order,), (their_order,) = orders_of(mine), orders_of(theirs)
    assert first.headers["Location"] == f"/orders/{my_order.id}"
    assert second.headers["Location"] == f"/orders/{their_order.id}"


def test_a_replayed_key_with_an_empty_cart_does_not_reveal_another_users_order(app, world):
    mine = ready_customer(world)
    carts.add_line(carts.cart_for(world.reseller_a_user, mine), world.price.id, 5)
    Browser(app, world.reseller_a_user).place(mine, "leaked-key")
    (my_order,) = orders_of(mine)
    other = Browser(app, world.reseller_b_user)
    answer = other.place(world.customer_b, "leaked-key")
    assert answer.headers.get("Location") != f"/orders/{my_order.id}"
    assert my_order.number not in other.page("/orders")


def test_the_same_api_key_of_a_reseller_and_a_direct_customer_makes_two_orders(client, world):
    mine = ready_customer(world)
    direct = world.direct
    direct.phone = "+44 20 555"
    db.session.commit()
    confirm_mca(direct, world.direct_user)
    first = client.post("/api/v1/orders", json=order_body(mine, world.price),
                        headers=bearer(world.reseller_a_user) | {"Idempotency-Key": "po-7"})
    second = client.post("/api/v1/orders", json=order_body(direct, world.price),
                         headers=bearer(world.direct_user) | {"Idempotency-Key": "po-7"})
    assert first.status_code == second.status_code == 201
    assert first.get_json()["id"] != second.get_json()["id"]
