"""Ordering through the API: token to placed order, idempotent replays, the dry run, errors."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from orders import cart as carts
from orders.models import Order, ProvisioningJob
from persistence import db
from provisioning.jobs import run_job
from tests.api.conftest import order_body

NEW_CUSTOMER = {
    "company_name": "Delta Inc.", "contact_first_name": "Grace", "contact_last_name": "Hopper",
    "email": "grace@delta.example", "phone": "+1 425 555 0100", "address_line1": "2 Main St",
    "city": "Redmond", "region": "WA", "postal_code": "98052", "country": "US",
    "domain_prefix": "deltainc"}  # in the market of the world's price (C7)
SIGNER = {"signer_first_name": "Grace", "signer_last_name": "Hopper",
          "signer_email": "grace@delta.example", "date_agreed": "2026-11-20"}


def orders_of(customer_id: int) -> int:
    return db.session.scalar(select(func.count(Order.id)).filter_by(customer_id=customer_id))


def test_a_reseller_goes_from_token_to_provisioned_order_using_only_the_api(
        client, world, as_a, pc_client):
    created = client.post("/api/v1/customers", json=NEW_CUSTOMER, headers=as_a)
    assert created.status_code == 201, created.get_json()
    customer_id = created.get_json()["id"]
    assert created.headers["Location"] == f"/api/v1/customers/{customer_id}"
    mca = client.post(f"/api/v1/customers/{customer_id}/mca-acceptances", json=SIGNER,
                      headers=as_a)
    assert mca.status_code == 201 and mca.get_json()["acting_as"] == "reseller_user"
    offers = client.get(f"/api/v1/catalog/offers?customer_id={customer_id}", headers=as_a)
    price_id = offers.get_json()["items"][0]["prices"][0]["price_id"]
    body = {"customer_id": customer_id, "lines": [{"price_id": price_id, "quantity": 3}]}
    check = client.post("/api/v1/checkout/validate", json=body, headers=as_a)
    assert check.status_code == 200 and check.get_json() == {
        "ok": True, "problems": [], "unit_prices": ["12.5000"], "total": "37.5000",
        "price_notes": [None]}  # B1; C4: a new subscription, priced today
    placed = client.post("/api/v1/orders", json=body,
                         headers={**as_a, "Idempotency-Key": "erp-1001"})
    assert placed.status_code == 201, placed.get_json()
    order = placed.get_json()
    assert order["status"] == "submitted" and order["number"].startswith("ORD-")
    assert order["lines"][0]["quantity"] == 3
    read = client.get(placed.headers["Location"], headers=as_a).get_json()
    assert [e["status"] for e in read["events"]] == ["submitted"]
    assert db.session.scalar(select(ProvisioningJob.state).filter_by(order_id=order["id"])) \
        == "queued"
    assert db.session.get(Order, order["id"]).mca_acceptance_id == mca.get_json()["id"]  # K5
    run_job(order["id"], pc_client)  # what the background worker does with the queued job
    done = client.get(placed.headers["Location"], headers=as_a).get_json()
    assert done["status"] == "provisioned", done
    subscriptions = client.get(f"/api/v1/subscriptions?customer_id={customer_id}",
                               headers=as_a).get_json()["items"]
    assert [s["quantity"] for s in subscriptions] == [3]


def test_a_replayed_idempotency_key_returns_the_first_order(client, world, as_a, ready):
    headers = {**as_a, "Idempotency-Key": "same"}
    first = client.post("/api/v1/orders", json=order_body(ready, world.price), headers=headers)
    second = client.post("/api/v1/orders", json=order_body(ready, world.price), headers=headers)
    assert first.status_code == 201 and second.status_code == 200
    assert first.get_json()["id"] == second.get_json()["id"]
    assert orders_of(ready.id) == 1


def test_the_same_key_with_a_different_body_is_refused(client, world, as_a, ready):
    headers = {**as_a, "Idempotency-Key": "same"}
    client.post("/api/v1/orders", json=order_body(ready, world.price), headers=headers)
    other = client.post("/api/v1/orders", json=order_body(ready, world.price, quantity=9),
                        headers=headers)
    assert other.status_code == 422
    assert other.get_json()["error"]["code"] == "idempotency.key_reused"
    assert orders_of(ready.id) == 1


@pytest.mark.parametrize(("replayed", "status"), [
    ({"expected_total": "37.5"}, 200),  # the same price, written another way
    ({"expected_total": "999"}, 422), ({}, 422),
    ({"expected_total": "37.5000", "lines_expected": "12.49"}, 422)])
def test_b1_the_same_key_stating_other_prices_is_a_different_body(
        client, world, as_a, ready, replayed, status):
    """The prices a request states are part of what it asks for: a replay stating others
    (or none) is not the same request, and must not be told its order was placed."""
    headers = {**as_a, "Idempotency-Key": "erp-1"}

    def body(stated: dict) -> dict:
        sent = {**order_body(ready, world.price, quantity=3),
                **{k: v for k, v in stated.items() if k == "expected_total"}}
        if "lines_expected" in stated:
            sent["lines"][0]["expected_unit_price"] = stated["lines_expected"]
        return sent

    first = client.post("/api/v1/orders", json=body({"expected_total": "37.5000"}),
                        headers=headers)
    again = client.post("/api/v1/orders", json=body(replayed), headers=headers)
    assert first.status_code == 201 and again.status_code == status
    if status == 422:
        assert again.get_json()["error"]["code"] == "idempotency.key_reused"
    assert orders_of(ready.id) == 1


def test_an_order_without_an_idempotency_key_is_malformed(client, world, as_a, ready):
    response = client.post("/api/v1/orders", json=order_body(ready, world.price), headers=as_a)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.get_json()["error"]["fields"]
    assert orders_of(ready.id) == 0


def test_a_refused_order_lists_every_problem_and_places_nothing(client, world, as_a, ready):
    ready.postal_code, ready.city = "1011", ""
    db.session.commit()
    response = client.post("/api/v1/orders", json=order_body(ready, world.price),
                           headers={**as_a, "Idempotency-Key": "k"})
    codes = {p["code"] for p in response.get_json()["error"]["problems"]}
    assert response.status_code == 422
    assert "K1.missing_city" in codes and any(c.startswith("K2.") for c in codes)
    assert orders_of(ready.id) == 0


def test_malformed_input_names_each_field(client, world, as_a, ready):
    body = {"customer_id": ready.id, "lines": [{"price_id": world.price.id, "quantity": "x"}],
            "extra": 1}
    response = client.post("/api/v1/checkout/validate", json=body, headers=as_a)
    fields = response.get_json()["error"]["fields"]
    assert response.status_code == 400
    assert fields["lines"]["0"]["quantity"] and fields["extra"]


def test_an_unknown_offer_price_is_not_found_and_named(client, world, as_a, ready):
    body = order_body(ready, world.price)
    body["lines"][0]["price_id"] = 424242
    response = client.post("/api/v1/checkout/validate", json=body, headers=as_a)
    assert response.status_code == 404
    assert "price_id" in response.get_json()["error"]["fields"]["lines"]["0"]


def test_a_body_that_is_not_json_is_malformed(client, as_a):
    response = client.post("/api/v1/checkout/validate", data="nope", headers=as_a)
    assert response.status_code == 400 and response.get_json()["error"]["fields"]


def test_json_sent_as_another_content_type_is_told_which_header_to_fix(client, world, as_a,
                                                                        ready):
    response = client.post("/api/v1/checkout/validate", headers=as_a,
                           data=json.dumps(order_body(ready, world.price)),
                           content_type="text/plain")
    assert response.status_code == 400
    [message] = response.get_json()["error"]["fields"]["Content-Type"]
    assert "Content-Type: application/json" in message and "'text/plain'" in message


def test_the_api_leaves_the_web_cart_alone(client, world, as_a, ready):
    carts.add_line(carts.cart_for(world.reseller_a_user, ready), world.price.id, 2)
    client.post("/api/v1/orders", json=order_body(ready, world.price),
                headers={**as_a, "Idempotency-Key": "k"})
    assert [line.quantity for line in carts.cart_for(world.reseller_a_user, ready).lines] == [2]
