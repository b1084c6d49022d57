"""R6: placing an order keeps a cart line's co-termed end date on its order line (what
provisioning sends as customTermEndDate), and the date is part of the order's fingerprint."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from orders import cart as carts
from orders.models import Order
from orders.placement import fingerprint
from persistence import db
from tests.checkout.test_place_order import place
from tests.conftest import login


def test_r6_the_order_line_keeps_the_custom_end_date_of_its_cart_line(client, world, fresh):
    cart = carts.cart_for(world.reseller_a_user, fresh)
    plain = fingerprint(cart)
    cart.lines[0].custom_term_end = date(2026, 12, 31)
    db.session.commit()
    assert fingerprint(cart) != plain  # a replayed key with another end date is detected
    login(client, world.reseller_a_user)
    assert place(client, fresh).status_code == 302
    order = db.session.scalar(select(Order).filter_by(customer_id=fresh.id))
    assert order.lines[0].custom_term_end == date(2026, 12, 31)
