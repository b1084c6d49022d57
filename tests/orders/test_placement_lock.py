"""Placing an order judges the customer as its locked row is, not as the request first
loaded it (#27: the lock refreshes only the columns that changed), on both databases."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select, update

from accounts.models import Customer
from catalog import country_lists
from catalog.models import CatalogSettings
from checkout.fetch import RemoteFacts
from checkout.problems import CheckoutRefused
from connectors.partner_center.sandbox import seed
from orders import cart as carts
from orders.models import Cart, Order
from orders.placement import place_order
from persistence import db
from storefront.fix_links import fix_urls
from tests.checkout.conftest import ready_customer

TODAY = date(2026, 11, 23)
REMOTE = RemoteFacts(mca_version=seed.MCA_TEMPLATE_ID, domain_available=True)


@pytest.fixture
def app(app_on_each_backend):
    return app_on_each_backend


@pytest.fixture
def loaded_cart(app, world):
    """A ready customer's cart with one line, loaded by this request as a checkout loads it."""
    customer = ready_customer(world)
    carts.add_line(carts.cart_for(world.reseller_a_user, customer), world.price.id, 1)
    country_lists.ensure_seeded()  # as the first request of a running shop already did
    CatalogSettings.current()
    db.session.commit()
    cart = db.session.scalar(select(Cart).filter_by(customer_id=customer.id))
    assert cart.customer.address_line1 and cart.customer.reseller is world.reseller_a
    return cart


def edit_elsewhere(customer_id: int, **values) -> None:
    """Another request's edit of the customer, committed on its own connection."""
    with db.engine.begin() as other:
        other.execute(update(Customer.__table__).where(Customer.__table__.c.id == customer_id)
                      .values(**values))


def place(app, cart, user):
    with app.test_request_context():
        return place_order(cart, user, REMOTE, TODAY, fix_urls(cart.customer),
                           idempotency_key=f"lock:{cart.id}", enqueue=lambda _id: None)


def test_an_address_removed_after_the_cart_was_read_refuses_the_order_k1(app, world,
                                                                         loaded_cart):
    edit_elsewhere(loaded_cart.customer_id, address_line1="")
    with pytest.raises(CheckoutRefused) as refused:
        place(app, loaded_cart, world.reseller_a_user)
    assert "K1.missing_address_line1" in refused.value.codes
    assert db.session.scalar(select(func.count(Order.id))) == 2  # the world's two, no more


def test_an_address_completed_after_the_cart_was_read_is_the_one_ordered_with(app, world,
                                                                             loaded_cart):
    edit_elsewhere(loaded_cart.customer_id, city="Potsdam")
    placed = place(app, loaded_cart, world.reseller_a_user)
    assert loaded_cart.customer.city == "Potsdam"
    assert placed.order.customer.city == "Potsdam"


def test_a_direct_customer_deactivated_after_the_cart_was_read_is_refused_k9(app, world):
    """The provider deactivates the customer while its user's checkout is on its way: the
    locked row says so and the order is refused."""
    customer = world.direct
    carts.add_line(carts.cart_for(world.direct_user, customer), world.price.id, 1)
    db.session.commit()
    cart = db.session.scalar(select(Cart).filter_by(customer_id=customer.id))
    assert cart.customer.active
    edit_elsewhere(customer.id, active=False)
    with pytest.raises(CheckoutRefused) as refused:
        place(app, cart, world.direct_user)
    assert "K9.customer_inactive" in refused.value.codes
    assert db.session.scalar(select(func.count(Order.id))) == 2  # the world's two, no more


def test_an_order_for_a_customer_of_a_deactivated_reseller_is_refused_k9(app, world,
                                                                        loaded_cart):
    """Whoever places it (the cart's user was shut out with the reseller): the provider's
    deactivation stops the reseller's orders until it reactivates it."""
    world.reseller_a.active = False
    db.session.commit()
    with pytest.raises(CheckoutRefused) as refused:
        place(app, loaded_cart, world.reseller_a_user)
    assert refused.value.codes == ("K9.reseller_inactive",)
    assert db.session.scalar(select(func.count(Order.id)).where(
        Order.customer_id == loaded_cart.customer_id)) == 0
