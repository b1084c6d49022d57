"""#27: an API order is answered from the rows its INSERTs returned, not read back; the
answer must still be the order exactly as stored, on SQLite and on PostgreSQL. And the
customer lookup every API order starts with, built once per kind of token, still reaches
only the customers that kind of token may see."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from orders.models import Order, OrderLine, ProvisioningJob
from persistence import db
from tests.api.conftest import order_body
from tests.api.factories import bearer


@pytest.fixture
def app(app_on_each_backend):
    return app_on_each_backend


def test_a_placed_orders_answer_is_the_order_as_stored(client, world, as_a, ready):
    placed = client.post("/api/v1/orders", json=order_body(ready, world.price, quantity=3),
                         headers={**as_a, "Idempotency-Key": "erp-answer"})
    assert placed.status_code == 201, placed.get_json()
    db.session.remove()  # the read below comes from the database, not this request's objects
    stored = client.get(placed.headers["Location"], headers=as_a)
    assert stored.status_code == 200
    assert placed.get_json() == stored.get_json()
    answer = placed.get_json()
    assert [e["status"] for e in answer["events"]] == ["submitted"]
    assert [(line["quantity"], line["status"]) for line in answer["lines"]] == [(3, "pending")]


def test_a_placed_order_is_stored_with_its_lines_and_a_queued_job(client, world, as_a, ready):
    placed = client.post("/api/v1/orders", json=order_body(ready, world.price, quantity=2),
                         headers={**as_a, "Idempotency-Key": "erp-rows"}).get_json()
    db.session.remove()
    order = db.session.get(Order, placed["id"])
    assert (order.number, order.customer_id, order.placed_by.email) == (
        placed["number"], ready.id, world.reseller_a_user.email)
    assert order.correlation_id and order.created_at is not None
    assert db.session.scalars(select(OrderLine.price_id).filter_by(order_id=order.id)).all() \
        == [world.price.id]
    assert db.session.scalar(select(ProvisioningJob.state).filter_by(order_id=order.id)) \
        == "queued"
    assert order.job.attempts == 0


def test_a_replay_answers_the_same_order_as_the_first_request(client, world, as_a, ready):
    headers = {**as_a, "Idempotency-Key": "erp-twice"}
    first = client.post("/api/v1/orders", json=order_body(ready, world.price), headers=headers)
    db.session.remove()
    again = client.post("/api/v1/orders", json=order_body(ready, world.price), headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json() == again.get_json()


def reaches(client, headers, customer) -> bool:
    """Whether the token's dry run for the customer gets past the scope (404 when not)."""
    return client.post("/api/v1/checkout/validate", headers=headers,
                       json={"customer_id": customer.id, "lines": []}).status_code != 404


def test_each_kind_of_token_reaches_only_the_customers_it_may_see(client, world):
    reseller, direct, admin = (bearer(world.reseller_a_user), bearer(world.direct_user),
                               bearer(world.admin))
    assert reaches(client, reseller, world.customer_a)
    assert not reaches(client, reseller, world.customer_b)
    assert not reaches(client, reseller, world.direct)
    assert reaches(client, direct, world.direct)
    assert not reaches(client, direct, world.customer_a)
    assert all(reaches(client, admin, c) for c in (world.customer_a, world.customer_b,
                                                    world.direct))
