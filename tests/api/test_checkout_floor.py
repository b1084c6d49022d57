"""#27: the floor of an API order — the statements and commits one order costs.

Counted, not timed: a count is the same on every machine, and each statement is a round
trip (on SQLite each commit is also a turn of the database's single write lock). Every
test runs on SQLite and on PostgreSQL (the latter when `make test` started it)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import event, literal, select

from accounts.throttle import store_for
from checkout import reference
from orders.models import Order, OrderNumber
from persistence import db
from storefront import throttling
from tests.api.conftest import order_body
from tests.api.factories import requests_counted


@pytest.fixture
def app(app_on_each_backend, tmp_path):
    """The app on each backend, counting API requests where the embedded default does:
    in the throttle's own SQLite file, never in the app's database."""
    app_on_each_backend.extensions[throttling.KEY] = store_for(
        f"sqlite:///{tmp_path / 'throttle.sqlite'}", db.session)
    return app_on_each_backend


class Counter:
    """The statements and commits on the app's database while it listens."""

    def __init__(self):
        self.statements: list[str] = []
        self.commits = 0

    def statement(self, _conn, _cursor, statement, *_args) -> None:
        self.statements.append(" ".join(statement.split())[:100])

    def commit(self, _conn) -> None:
        self.commits += 1

    @property
    def round_trips(self) -> list[str]:
        # SQLite's BEGIN IMMEDIATE opens the transaction with the write lock before the
        # reads under it; PostgreSQL's BEGIN travels with the first statement.
        return [s for s in self.statements if s != "BEGIN IMMEDIATE"]


def counted(client, method: str, url: str, **kwargs) -> tuple[Counter, object]:
    counter, engine = Counter(), db.engine
    event.listen(engine, "after_cursor_execute", counter.statement)
    event.listen(engine, "commit", counter.commit)
    try:
        response = client.open(url, method=method, **kwargs)
    finally:
        event.remove(engine, "after_cursor_execute", counter.statement)
        event.remove(engine, "commit", counter.commit)
    return counter, response


def warm(client, headers, body, reseller_id) -> None:
    """What earlier requests of the process leave behind: the reference data read and
    kept (dry runs), the reseller's markups kept (any of its orders), the token's rate
    window open; then an empty session, as each request starts with."""
    for _ in range(2):
        check = client.post("/api/v1/checkout/validate", json=body, headers=headers)
        assert check.status_code == 200, check.get_json()
    reference.current().markups(reseller_id)
    db.session.remove()


def test_an_api_order_costs_at_most_ten_statements_and_one_commit(client, world, as_a, ready):
    body = order_body(ready, world.price, quantity=1)
    warm(client, as_a, body, ready.reseller_id)
    counter, response = counted(client, "POST", "/api/v1/orders", json=body, headers={
        **as_a, "Idempotency-Key": str(uuid.uuid4())})
    assert response.status_code == 201, response.get_json()
    listing = "\n".join(counter.statements)
    assert len(counter.round_trips) <= 10, listing
    assert counter.commits == 1, listing
    assert not any(s.startswith("UPDATE orders") for s in counter.statements), listing
    assert response.get_json()["number"] == f"ORD-{response.get_json()['id']:06d}"


def test_a_replayed_key_is_answered_from_the_reads_under_the_lock(client, world, as_a, ready):
    body = order_body(ready, world.price, quantity=1)
    headers = {**as_a, "Idempotency-Key": "erp-7"}
    first = client.post("/api/v1/orders", json=body, headers=headers)
    db.session.remove()
    _, again = counted(client, "POST", "/api/v1/orders", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["id"] == first.get_json()["id"]
    assert db.session.scalar(select(db.func.count(Order.id)).filter_by(customer_id=ready.id)) == 1


def test_an_api_request_counts_its_rate_limit_without_writing_the_apps_database(
        client, world, as_a):
    for _ in range(3):
        counter, response = counted(client, "GET", "/api/v1/customers", headers=as_a)
        assert response.status_code == 200
    # The third request of the window: counted in the throttle store, nothing written.
    assert counter.commits == 0, counter.statements
    assert not any(s.startswith(("UPDATE", "INSERT")) for s in counter.statements)
    assert requests_counted() == 3


def test_an_order_number_derives_from_its_id_in_sql_too(app):
    for order_id, number in ((7, "ORD-000007"), (1234567, "ORD-1234567")):
        assert db.session.scalar(select(OrderNumber(literal(order_id)))) == number
