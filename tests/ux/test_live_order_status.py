"""Live order status (#20, point 1): the JSON the order pages poll, scoped exactly like the
pages, and one snapshot of the order behind the badge and the history."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event

from orders.models import Order
from persistence import db
from tests.conftest import login, make_order

BADGE = re.compile(r'id="order-status">([^<]*)<')
HISTORY = re.compile(r'<ol class="history" id="order-history">(.*?)</ol>', re.S)
# An order's life with a detour through the attention queue and an admin's retry.
TRANSITIONS = [("provisioning", "Sending the order to Partner Center."),
               ("needs_attention", "Partner Center refused the address."),
               ("provisioning", "Retry requested by admin@test.example."),
               ("provisioned", "The line is active in Partner Center.")]


def status_json(client, order_id: int):
    return client.get(f"/orders/{order_id}/status.json",
                      headers={"Accept": "application/json"})


def badge_and_history(page: str) -> tuple[str, list[str]]:
    """The badge's words and each history entry's status, as the page shows them."""
    return BADGE.search(page)[1], re.findall(r"<strong>([^<]*)</strong>",
                                              HISTORY.search(page)[1])


def move(order_id: int, status: str, note: str) -> None:
    """A transition as provisioning writes it (Order.record), committed."""
    db.session.get(Order, order_id).record(status, note)
    db.session.commit()


def test_the_buyer_polls_the_status_history_and_lines_of_its_own_order(client, world):
    login(client, world.reseller_a_user)
    response = status_json(client, world.order_a.id)
    assert response.status_code == 200
    body = response.get_json()
    assert (body["id"], body["number"]) == (world.order_a.id, world.order_a.number)
    assert (body["status"], body["label"], body["final"]) == ("submitted", "submitted", False)
    assert [(e["status"], e["label"], e["note"]) for e in body["history"]] == [
        ("submitted", "submitted", "Order placed.")]
    assert body["history"][0]["at"].endswith("+00:00")
    assert body["lines"] == [{"number": 1, "status": "pending", "error": "",
                              "subscription_url": None}]


@pytest.mark.parametrize("user", ["reseller_b_user", "direct_user"])
def test_someone_elses_order_status_is_not_found(client, world, user):
    login(client, getattr(world, user))
    response = status_json(client, world.order_a.id)
    assert response.status_code == 404
    assert response.get_json()["error"]["status"] == 404


def test_the_badge_and_the_history_agree_after_each_transition(browser, world):
    client = browser()
    login(client, world.reseller_a_user)
    for status, note in TRANSITIONS:
        move(world.order_a.id, status, note)
        badge, history = badge_and_history(
            client.get(f"/orders/{world.order_a.id}").get_data(as_text=True))
        body = status_json(client, world.order_a.id).get_json()
        label = status.replace("_", " ")
        assert badge == history[-1] == body["label"] == body["history"][-1]["label"] == label
        assert body["final"] is (status == "provisioned")
    assert [e["status"] for e in body["history"]] == ["submitted"] + [s for s, _ in TRANSITIONS]


@pytest.fixture
def worker_commits_during_the_page(app, world):
    """A worker's transition landing while the page is being read: just before the first
    statement that reads the order's history, the same database connection writes
    "provisioning" (what a concurrent commit looks like to the next statement under READ
    COMMITTED, and to SQLite's statement-by-statement reads). The page must show it in
    the badge and in the history alike, or in neither."""
    order_id, fired = world.order_a.id, []

    def transition_first(conn, cursor, statement, parameters, context, executemany):
        if fired or "order_events" not in statement:
            return
        fired.append(statement)
        # Literal SQL: the one value is our own int, and the two drivers differ in
        # placeholders (? and %s).
        writer = cursor.connection.cursor()
        writer.execute(f"UPDATE orders SET status = 'provisioning' WHERE id = {order_id}")  # noqa: S608
        writer.execute("INSERT INTO order_events (order_id, at, status, note) VALUES "  # noqa: S608
                       f"({order_id}, CURRENT_TIMESTAMP, 'provisioning', 'Sending.')")
        writer.close()

    event.listen(db.engine, "before_cursor_execute", transition_first)
    yield fired
    event.remove(db.engine, "before_cursor_execute", transition_first)


def test_a_transition_committed_while_the_page_loads_shows_in_badge_and_history_alike(
        browser, world, worker_commits_during_the_page):
    client = browser()
    login(client, world.reseller_a_user)
    badge, history = badge_and_history(
        client.get(f"/orders/{world.order_a.id}").get_data(as_text=True))
    assert worker_commits_during_the_page, "the page never read the history"
    assert badge == history[-1] == "provisioning"


def test_the_list_asks_once_for_its_open_orders_and_hears_only_of_its_own(client, world):
    login(client, world.reseller_a_user)
    response = client.get("/orders/status.json",
                          query_string={"ids": f"{world.order_a.id},{world.order_b.id}"})
    assert response.status_code == 200
    assert response.get_json() == {"orders": [
        {"id": world.order_a.id, "status": "submitted", "label": "submitted", "final": False}]}


def test_the_list_marks_only_open_orders_for_polling(client, world):
    move(world.order_a.id, "provisioned", "Done.")
    open_order = make_order(world.customer_a, world.reseller_a_user, world.price, quantity=2)
    db.session.commit()
    login(client, world.reseller_a_user)
    page = client.get("/orders").get_data(as_text=True)
    rows = dict(re.findall(r'<tr data-order-id="(\d+)"[^>]*?( data-live)?>', page))
    assert rows == {str(world.order_a.id): "", str(open_order.id): " data-live"}
    assert 'data-live-orders="/orders/status.json"' in page


@pytest.mark.parametrize(("ids", "says"), [
    ("", "ids is missing"), ("7,abc", "not an order id"), ("١٢", "not an order id"),
    ("1_2", "not an order id"), ("9" * 5000, "not an order id"),
    ("99999999999", "not an order id"), (",".join(["1"] * 26), "at most 25")])
def test_bad_ids_are_refused_naming_the_field_and_the_fix(client, world, ids, says):
    login(client, world.reseller_a_user)
    response = client.get("/orders/status.json", query_string={"ids": ids})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["field"] == "ids" and says in error["detail"]


def test_a_final_order_page_does_not_poll(client, world):
    move(world.order_a.id, "provisioned", "Done.")
    login(client, world.reseller_a_user)
    page = client.get(f"/orders/{world.order_a.id}").get_data(as_text=True)
    assert 'data-final="true"' in page and "live-status.js" in page
    assert 'role="status" data-announce' in page
