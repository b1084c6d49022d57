"""Token scoping: reseller A's token never sees or touches reseller B's objects."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from accounts.models import Customer
from agreements.mca import McaAcceptance
from orders.models import Order
from persistence import db
from tests.api.conftest import order_body
from tests.api.factories import make_subscription
from tests.billing.factories import make_invoice
from tests.checkout.conftest import confirm_mca
from tests.test_access_matrix import API_OPERATIONS

SIGNER = {"signer_first_name": "Eve", "signer_last_name": "Mallory",
          "signer_email": "eve@example.com", "date_agreed": "2026-11-20"}


def b_objects(world) -> dict[str, tuple[str, str, dict | None]]:
    """Every API operation aimed at reseller B's customer, order or subscription."""
    cb, sub = world.customer_b.id, make_subscription(world.customer_b, world.price).id
    invoice = make_invoice(reseller=world.reseller_b, end_customer=world.customer_b).id
    body = order_body(world.customer_b, world.price)
    return {
        "list_offers": ("GET", f"/api/v1/catalog/offers?customer_id={cb}", None),
        "list_customers": ("GET", "/api/v1/customers", None),
        "get_customer": ("GET", f"/api/v1/customers/{cb}", None),
        "update_customer": ("PATCH", f"/api/v1/customers/{cb}", {"company_name": "Pwned"}),
        "list_mca": ("GET", f"/api/v1/customers/{cb}/mca-acceptances", None),
        "list_azure_subscriptions": ("GET", f"/api/v1/customers/{cb}/azure-subscriptions",
                                     None),
        "record_mca": ("POST", f"/api/v1/customers/{cb}/mca-acceptances", SIGNER),
        "validate_checkout": ("POST", "/api/v1/checkout/validate", body),
        "create_order": ("POST", "/api/v1/orders", body),
        "list_orders": ("GET", f"/api/v1/orders?customer_id={cb}", None),
        "get_order": ("GET", f"/api/v1/orders/{world.order_b.id}", None),
        "list_subscriptions": ("GET", f"/api/v1/subscriptions?customer_id={cb}", None),
        "get_subscription": ("GET", f"/api/v1/subscriptions/{sub}", None),
        "update_subscription": ("PATCH", f"/api/v1/subscriptions/{sub}", {"quantity": 9}),
        "cancel_subscription": ("POST", f"/api/v1/subscriptions/{sub}/cancel", None),
        "schedule_next_term": ("PUT", f"/api/v1/subscriptions/{sub}/next-term",
                               {"quantity": 9, "term_duration": "P1M",
                                "billing_cycle": "monthly"}),
        "withdraw_next_term": ("DELETE", f"/api/v1/subscriptions/{sub}/next-term", None),
        "list_invoices": ("GET", "/api/v1/invoices", None),
        "get_invoice": ("GET", f"/api/v1/invoices/{invoice}", None),
    }


@pytest.mark.parametrize("operation", [op for op in API_OPERATIONS if op != "create_customer"])
def test_reseller_a_cannot_reach_reseller_b_through_any_operation(client, world, as_a,
                                                                  operation):
    method, url, body = b_objects(world)[operation]
    response = client.open(url, method=method, json=body,
                           headers={**as_a, "Idempotency-Key": "k"})
    payload = response.get_json()
    if operation == "list_customers":  # a list has no foreign id to refuse: B is absent
        assert response.status_code == 200
        assert world.customer_b.id not in {c["id"] for c in payload["items"]}
    elif operation == "list_invoices":
        assert response.status_code == 200
        assert world.reseller_b.id not in {i["buyer_reseller_id"] for i in payload["items"]}
    else:
        assert response.status_code == 404, payload
        assert "Beta GmbH" not in response.get_data(as_text=True)


def test_nothing_of_reseller_b_changes_through_a_token(client, world, as_a):
    for operation in ("update_customer", "record_mca", "create_order"):
        method, url, body = b_objects(world)[operation]
        client.open(url, method=method, json=body, headers={**as_a, "Idempotency-Key": "k"})
    db.session.expire_all()
    assert db.session.get(Customer, world.customer_b.id).company_name == "Beta GmbH"
    assert db.session.scalar(select(func.count(McaAcceptance.id))
                             .filter_by(customer_id=world.customer_b.id)) == 0
    assert db.session.scalar(select(func.count(Order.id))
                             .filter_by(customer_id=world.customer_b.id)) == 1  # world's own


def test_lists_hold_only_the_tokens_own_objects(client, world, as_a):
    make_subscription(world.customer_a, world.price)
    make_subscription(world.customer_b, world.price)
    for url in ("/api/v1/customers", "/api/v1/orders", "/api/v1/subscriptions"):
        items = client.get(url, headers=as_a).get_json()["items"]
        owners = {item.get("customer_id", item["id"]) for item in items}
        assert owners == {world.customer_a.id}, url


def test_the_same_idempotency_key_of_two_resellers_makes_two_orders(client, world, as_a, as_b,
                                                                    ready):
    other = Customer(**{c: getattr(ready, c) for c in ("company_name", "contact_first_name",
                                                       "contact_last_name", "email", "phone",
                                                       "address_line1", "city", "region",
                                                       "postal_code", "country")},
                     reseller=world.reseller_b, domain_prefix="otherb")
    db.session.add(other)
    db.session.commit()
    confirm_mca(other, world.reseller_b_user)
    mine = client.post("/api/v1/orders", json=order_body(ready, world.price),
                       headers={**as_a, "Idempotency-Key": "po-1"})
    theirs = client.post("/api/v1/orders", json=order_body(other, world.price),
                         headers={**as_b, "Idempotency-Key": "po-1"})
    assert mine.status_code == theirs.status_code == 201
    assert mine.get_json()["id"] != theirs.get_json()["id"]


def test_a_direct_customer_token_reaches_only_its_own_company(client, world, as_direct):
    listed = client.get("/api/v1/customers", headers=as_direct).get_json()["items"]
    assert [c["id"] for c in listed] == [world.direct.id]
    assert client.get(f"/api/v1/customers/{world.customer_a.id}",
                      headers=as_direct).status_code == 404
    assert client.get(f"/api/v1/orders/{world.order_a.id}", headers=as_direct).status_code == 404


def test_a_direct_customer_token_cannot_create_customers(client, as_direct):
    response = client.post("/api/v1/customers", json={"company_name": "X"}, headers=as_direct)
    assert response.status_code == 403


def test_a_reseller_updates_its_own_customer(client, world, as_a):
    response = client.patch(f"/api/v1/customers/{world.customer_a.id}",
                            json={"city": "Hamburg", "postal_code": "20095"}, headers=as_a)
    assert response.status_code == 200 and response.get_json()["city"] == "Hamburg"
    assert world.customer_a.city == "Hamburg"


def test_a_customer_whose_tenant_is_unnamed_is_refused_at_checkout_k4(client, world, as_a,
                                                                       ready):
    response = client.patch(f"/api/v1/customers/{ready.id}",
                            json={"tenant_mode": "existing"}, headers=as_a)
    assert response.status_code == 200
    check = client.post("/api/v1/checkout/validate", json=order_body(ready, world.price),
                        headers=as_a)
    assert "K4.tenant_missing" in {p["code"] for p in check.get_json()["error"]["problems"]}
