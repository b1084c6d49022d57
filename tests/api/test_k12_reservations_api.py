"""K12 through the API: a reservation line names its scope and an Azure subscription of the
customer's Azure plan, which the API lists; the dry run and the order refuse a line
without them by rule code, and the placed order keeps them for its provisioningContext."""

from __future__ import annotations

import pytest

from tests.api.conftest import order_body
from tests.checkout.azure import azure_plan_of, reservation_price


@pytest.fixture
def plan(world, ready, pc_sandbox):
    return azure_plan_of(ready, pc_sandbox)


def _codes(answer) -> set[str]:
    found = answer.get_json()
    return {p["code"] for p in (found.get("error") or found)["problems"]}


def test_k12_the_api_lists_the_azure_subscriptions_a_reservation_may_name(
        client, ready, as_a, as_b, plan):
    plan_sub, azure_sub = plan
    answer = client.get(f"/api/v1/customers/{ready.id}/azure-subscriptions", headers=as_a)
    assert answer.status_code == 200
    assert answer.get_json() == {"has_azure_plan": True, "plan_subscription_id": plan_sub.id,
                                 "items": [{"id": azure_sub, "friendly_name": answer.get_json()
                                            ["items"][0]["friendly_name"], "active": True}]}
    assert client.get(f"/api/v1/customers/{ready.id}/azure-subscriptions",
                      headers=as_b).status_code == 404


def test_k12_a_customer_without_a_plan_is_told_so(client, ready, as_a):
    answer = client.get(f"/api/v1/customers/{ready.id}/azure-subscriptions", headers=as_a)
    assert answer.get_json() == {"has_azure_plan": False, "plan_subscription_id": None,
                                 "items": []}


def test_k12_the_dry_run_names_a_missing_scope_and_subscription(client, ready, as_a, plan):
    answer = client.post("/api/v1/checkout/validate", headers=as_a,
                         json=order_body(ready, reservation_price(), 1))
    assert answer.status_code == 422
    assert {"K12.missing_scope", "K12.missing_subscription"} <= _codes(answer)


def test_k12_a_scope_outside_shared_or_single_is_malformed_naming_the_field(
        client, ready, as_a, plan):
    _plan, azure_sub = plan
    answer = client.post("/api/v1/checkout/validate", headers=as_a, json=order_body(
        ready, reservation_price(), 1, reservation_scope="everywhere",
        azure_subscription_id=azure_sub))
    assert answer.status_code == 400
    assert "reservation_scope" in str(answer.get_json())
    assert "rule K12" in str(answer.get_json())


def test_k12_a_reservation_ordered_through_the_api_keeps_its_provisioning_context(
        client, ready, as_a, plan):
    _plan, azure_sub = plan
    body = order_body(ready, reservation_price(), 1, reservation_scope="single",
                      azure_subscription_id=azure_sub)
    check = client.post("/api/v1/checkout/validate", headers=as_a, json=body)
    assert not {c for c in _codes(check) if c.startswith("K12")}, check.get_json()
    placed = client.post("/api/v1/orders", json=body,
                         headers={**as_a, "Idempotency-Key": "ri-1"})
    assert placed.status_code == 201, placed.get_json()
    (line,) = placed.get_json()["lines"]
    assert (line["reservation_scope"], line["azure_subscription_id"]) == ("single", azure_sub)
    # The same key with another Azure subscription is another order: refused, not replayed.
    body["lines"][0]["reservation_scope"] = "shared"
    again = client.post("/api/v1/orders", json=body, headers={**as_a, "Idempotency-Key": "ri-1"})
    assert again.status_code == 422
