"""The API lists and orders at the price-list row sold today (UTC): the next row takes over
on its start date with no re-import (catalog/effective.py)."""

from __future__ import annotations

from decimal import Decimal

import time_machine

from orders.models import Order
from persistence import db
from tests.api.conftest import order_body
from tests.api.factories import bearer
from tests.catalog.test_price_effective_dates import DAWN, EVE, START, successor


def offered(client, headers, customer) -> list[tuple[int, str]]:
    answer = client.get(f"/api/v1/catalog/offers?customer_id={customer.id}", headers=headers)
    assert answer.status_code == 200
    return [(p["price_id"], p["amount"]) for item in answer.get_json()["items"]
            for p in item["prices"]]


def test_offers_and_orders_take_the_next_row_on_its_start_date(client, world, ready):
    new = successor(world.price, START, "14.00")
    with time_machine.travel(EVE, tick=False) as clock:
        headers = bearer(world.reseller_a_user)
        assert offered(client, headers, ready) == [(world.price.id, "12.5000")]
        clock.move_to(DAWN)
        assert offered(client, headers, ready) == [(new.id, "14.0000")]
        # A client still holding yesterday's price id orders at today's row.
        placed = client.post("/api/v1/orders", json=order_body(ready, world.price, 2),
                             headers={**headers, "Idempotency-Key": "next-row"})
    assert placed.status_code == 201, placed.get_json()
    line = db.session.get(Order, placed.get_json()["id"]).lines[0]
    assert (line.price_id, line.unit_price) == (new.id, Decimal("14.00"))
