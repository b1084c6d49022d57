"""Contract: the same parsing assertions hold for documented payloads and for the sandbox."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
import responses

from connectors.partner_center import (
    Address,
    AgreementAlreadyExists,
    CartAlreadySubmitted,
    CartLineRequest,
    Contact,
    InvalidRequest,
    NewCustomer,
    PartnerCenterClient,
    SandboxTokenProvider,
    Throttled,
)
from connectors.partner_center.sandbox import seed

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "partner_center"
DOC = "https://pc.test"
C = "a4f8c3a2-7f6d-4b0e-9d55-0f2e6b1c9e11"
ORDER = "CAfBcNVu4g5wSnwQ4YwLmO3tcFvr2dPe"
SUB = "0c1a2b3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"
ERRORS = json.loads((FIXTURES / "errors.json").read_text())


def _doc(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


@pytest.fixture
def documented():
    """A client whose answers are the documented example payloads."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.post(f"{DOC}/v1/customers", status=201, json=_doc("customer"))
        mock.post(f"{DOC}/v1/customers/{C}/carts", status=201, json=_doc("cart"))
        mock.post(f"{DOC}/v1/customers/{C}/carts/cart/checkout", status=201,
                  json=_doc("checkout"))
        mock.get(f"{DOC}/v1/customers/{C}/orders/{ORDER}", json=_doc("order"))
        mock.get(f"{DOC}/v1/customers/{C}/subscriptions/{SUB}", json=_doc("subscription"))
        yield PartnerCenterClient(requests.Session(), DOC, SandboxTokenProvider(),
                                  sleeper=lambda _s: None)


def check_customer(customer):
    assert customer.id and customer.commerce_id
    assert customer.domain.endswith(".onmicrosoft.com")
    assert customer.relationship_to_partner == "reseller"
    assert customer.credentials.user_name and customer.credentials.password
    assert customer.address.country == "US" and customer.email


def check_cart(cart):
    assert cart.status == "Active" and cart.expires > cart.created
    assert [ln.order_group for ln in cart.lines] == ["0", "1"]
    assert cart.lines[0].error is None and cart.lines[1].error.code == "10010"
    assert cart.lines[0].catalog_item_id.count(":") == 2


def check_checkout(result):
    (order,) = result.orders
    assert order.status == "pending" and order.lines[0].subscription_id is None
    assert order.lines[0].partner_id_on_record == seed.RESELLER_MPN_ID
    assert [(e.order_group_id, e.code) for e in result.order_errors] == [("1", "10010")]


def check_order(order):
    assert order.status == "completed" and order.lines[0].subscription_id
    assert order.lines[0].offer_id.count(":") == 2 and order.billing_cycle == "monthly"


def check_subscription(sub):
    assert sub.status == "active" and sub.auto_renew_enabled is True
    assert sub.cancellation_allowed_until > sub.created and sub.commitment_end > sub.created
    assert sub.offer_id.count(":") == 2 and sub.etag and sub.partner_id == seed.RESELLER_MPN_ID


def test_documented_payloads_parse_into_the_typed_values(documented):
    check_customer(documented.create_customer(_new()))
    check_cart(documented.create_cart(C, []))
    check_checkout(documented.checkout_cart(C, "cart"))
    check_order(documented.get_order(C, ORDER))
    check_subscription(documented.get_subscription(C, SUB))


def _new() -> NewCustomer:
    return NewCustomer("contractco.onmicrosoft.com", "Contract Co", "it@contract.co",
                       Address("1 Microsoft Way", "Redmond", "98052", "US", "WA"))


def test_sandbox_payloads_parse_into_the_same_typed_values(pc_client, make_customer, line):
    check_customer(pc_client.create_customer(_new()))
    customer = make_customer()
    e3 = line(("CFQ7TTC0LFLZ", "0001"), quantity=2)
    bad = CartLineRequest(e3.catalog_item_id, 0, "P1Y", "annual")
    cart = pc_client.create_cart(customer.id, [e3, bad])
    check_cart(cart)
    result = pc_client.checkout_cart(customer.id, cart.id)
    check_checkout(result)
    order = pc_client.get_order(customer.id, result.orders[0].id)
    check_order(order)
    check_subscription(pc_client.get_subscription(customer.id, order.lines[0].subscription_id))


def _documented_error(name: str) -> Exception:
    case = ERRORS[name]
    with responses.RequestsMock() as mock:
        mock.get(f"{DOC}/v1/customers/x", status=case["status"], json=case["body"],
                 headers=case.get("headers", {}))
        with pytest.raises(Exception) as caught:
            PartnerCenterClient(requests.Session(), DOC, SandboxTokenProvider(),
                                max_attempts=1).get_customer("x")
    return caught.value


def _sandbox_error(pc_client, pc_sandbox, name: str, make_customer, line) -> Exception:
    with pytest.raises(Exception) as caught:
        if name == "classic_numeric_code":
            pc_client.create_customer(NewCustomer(
                "ru.onmicrosoft.com", "Ru", "a@ru.ru", Address("Tverskaya 1", "Moskva",
                                                               "125009", "RU"),
                registration_number="1"))
        elif name == "classic_string_code":
            customer = make_customer()
            cart = pc_client.create_cart(customer.id, [line()])
            pc_client.checkout_cart(customer.id, cart.id)
            pc_client.checkout_cart(customer.id, cart.id)
        elif name == "new_style":
            customer = make_customer("dup", mca=False)
            for _ in range(2):
                pc_client.create_customer_agreement(customer.id, seed.MCA_TEMPLATE_ID,
                                                    Contact("A", "B", "a@b.c"),
                                                    datetime(2025, 1, 1, tzinfo=UTC))
        else:
            pc_sandbox.config.rate_limit_per_minute = 1
            pc_client.get_customer(seed.TENANT_WITH_DAP_ID)
            pc_client.get_customer(seed.TENANT_WITH_DAP_ID)
    return caught.value


@pytest.mark.parametrize(("name", "error_class", "code"), [
    ("classic_numeric_code", InvalidRequest, "600050"),
    ("classic_string_code", CartAlreadySubmitted, "800065"),
    ("new_style", AgreementAlreadyExists, "600061"),
    ("throttle", Throttled, None),
])
def test_error_bodies_of_all_three_shapes_parse_alike_from_docs_and_sandbox(
        pc_client, pc_sandbox, make_customer, line, name, error_class, code):
    for error in (_documented_error(name),
                  _sandbox_error(pc_client, pc_sandbox, name, make_customer, line)):
        assert type(error) is error_class
        assert (error.http_status, error.code) == (ERRORS[name]["status"], code)
        assert error.description
        if error_class is Throttled:
            assert error.retry_after > 0
