"""Each line's plan (C4's new subscription or added licenses, K8's partner of record) is
derived once, while the facts are gathered, and then read by every rule and by the order."""

from __future__ import annotations

import sys
from contextlib import contextmanager

from sqlalchemy import select

from checkout import plan
from orders import cart as carts
from orders.models import Order
from persistence import db
from tests.conftest import csrf_token, login, make_price


@contextmanager
def counting_calls(function):
    """Count calls of `function` by watching the interpreter, not by replacing it."""
    calls = []

    def profile(frame, event, arg):
        if event == "call" and frame.f_code is function.__code__:
            calls.append(frame.f_locals.get("line"))

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        yield calls
    finally:
        sys.setprofile(previous)


def place(client, customer):
    """Place the cart; the review page the token comes from plans its lines for their prices
    (C4, orders/line_units.py), so it is read before the counting starts."""
    token = csrf_token(client, f"/cart?customer={customer.id}")
    return lambda: client.post(f"/cart/{customer.id}/place",
                               data={"idempotency_key": "k1", "csrf_token": token})


def test_each_lines_plan_is_computed_once_per_placed_order(client, world, fresh):
    second = make_price(title="Microsoft 365 E3", product_id="CFQ7TTC0LFLX",
                        family="microsoft365")
    db.session.add(second)
    db.session.commit()
    carts.add_line(carts.cart_for(world.reseller_a_user, fresh), second.id, 2)
    login(client, world.reseller_a_user)

    placing = place(client, fresh)
    with counting_calls(plan.line_plan) as calls:
        response = placing()

    assert response.status_code == 302
    order = db.session.scalar(select(Order).filter_by(customer_id=fresh.id))
    assert [line.action for line in order.lines] == ["new_subscription"] * 2
    assert sorted(line.index for line in calls) == [0, 1]  # one plan per line, once


def test_a_refused_order_also_plans_each_line_once(client, world, fresh):
    world.reseller_a.mpn_id = ""  # K8 refuses; the rules judge the cart on one set of plans
    db.session.commit()
    login(client, world.reseller_a_user)

    placing = place(client, fresh)
    with counting_calls(plan.line_plan) as calls:
        response = placing()

    assert response.status_code == 422
    assert "K8.missing_partner_id" in response.get_data(as_text=True)
    assert [line.index for line in calls] == [0]
