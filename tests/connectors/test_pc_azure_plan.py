"""The Azure plan and Azure reservations as Microsoft documents them (rule K12): the plan's
Azure subscriptions (get-a-list-of-azure-entitlements-for-subscription), the registration
for reservations (register-a-subscription, get-subscription-registration-status) and a
reservation cart line's provisioningContext (create-a-cart). Fixtures: tests/fixtures/
partner_center/documented/{list_azure_entitlements, register_subscription,
get_registration_status, create_cart_reservations}.json. The client reads the documented
answers; the sandbox answers the documented requests in the documented shapes."""

from __future__ import annotations

import requests
import responses

from connectors.partner_center import CartLineRequest, PartnerCenterClient, SandboxTokenProvider
from connectors.partner_center.azure_plan import AZURE_PLAN_PRODUCT, AZURE_PLAN_SKU
from connectors.partner_center.client import LIVE_BASE_URL
from connectors.partner_center.sandbox import azure
from tests.connectors.documented import sample, shape_differences

RESERVATION = ("DZH318Z0BQ4V", "0052")
CUSTOMER, PLAN = "11f9bc2a-1f38-431c-a0b0-9455c6f5bbc0", "3f15978e-005c-b763-bb78-2a8fab289c58"
APP = {"Authorization": "Bearer sandbox-app:partner"}


def _live_client() -> PartnerCenterClient:
    return PartnerCenterClient(requests.Session(), LIVE_BASE_URL, SandboxTokenProvider("p"))


def test_the_client_reads_the_documented_azure_subscriptions_of_a_plan():
    doc = sample("list_azure_entitlements")
    with responses.RequestsMock() as mock:
        mock.get(LIVE_BASE_URL + doc["request"]["path"], json=doc["response"]["body"])
        (found,) = _live_client().list_azure_entitlements(CUSTOMER, PLAN)
    assert found.id == "899ae6f1-8a74-4d5e-b6c6-e6b5019bbff8"
    assert (found.friendly_name, found.active, found.plan_subscription_id) == (
        "Microsoft Azure", True, PLAN)


def test_the_client_registers_and_reads_the_documented_registration_status():
    register, status = sample("register_subscription"), sample("get_registration_status")
    path = f"/v1/customers/{CUSTOMER}/subscriptions/{PLAN}"
    with responses.RequestsMock() as mock:
        mock.post(LIVE_BASE_URL + path + "/registrations", status=202, body=b"",
                  headers={"Location": register["response"]["headers"]["Location"]})
        mock.get(LIVE_BASE_URL + path + "/registrationstatus", json=status["response"]["body"])
        location = _live_client().register_subscription(CUSTOMER, PLAN)
        state = _live_client().get_registration_status(CUSTOMER, PLAN)
    assert location.endswith("/registrationstatus")
    assert state == "notregistered"  # the doc's "NotRegistered"


def test_the_client_sends_the_documented_provisioning_context_on_a_reservation_line():
    doc = sample("create_cart_reservations")["request"]["body"]["lineItems"][1]
    line = CartLineRequest(doc["catalogItemId"], 1, "P1Y", "one_time", provisioning_context=(
        ("subscriptionId", doc["provisioningContext"]["subscriptionId"]), ("scope", "shared")))
    wire = line.to_wire(1)
    assert wire["provisioningContext"] == doc["provisioningContext"]
    assert (wire["billingCycle"], wire["termDuration"]) == ("one_time", "P1Y")


def _buy_azure_plan(pc_client, make_customer, line):
    customer = make_customer("azureco")
    plan_line = line((AZURE_PLAN_PRODUCT, AZURE_PLAN_SKU), term="", cycle="one_time")
    cart = pc_client.create_cart(customer.id, [plan_line])
    order = pc_client.checkout_cart(customer.id, cart.id).orders[0]
    pc_client.get_order(customer.id, order.id)  # read once: the order completes
    (plan,) = [s for s in pc_client.list_subscriptions(customer.id)
               if s.offer_id.startswith(AZURE_PLAN_PRODUCT)]
    return customer.id, plan.id


def test_the_sandbox_creates_an_azure_subscription_with_the_plan_in_the_documented_shape(
        pc_client, make_customer, line):
    customer, plan = _buy_azure_plan(pc_client, make_customer, line)
    doc = sample("list_azure_entitlements")
    answer = requests.get(f"{LIVE_BASE_URL}/v1/customers/{customer}/subscriptions/{plan}"
                          "/azureentitlements", headers=APP, timeout=5)
    assert answer.status_code == 200
    assert shape_differences(doc["response"]["body"], answer.json()) == []
    (azure_sub,) = answer.json()["items"]
    assert (azure_sub["status"], azure_sub["subscriptionId"]) == ("active", plan)


def test_the_sandbox_refuses_a_second_azure_plan(pc_client, make_customer, line):
    customer, _plan = _buy_azure_plan(pc_client, make_customer, line)
    plan_line = line((AZURE_PLAN_PRODUCT, AZURE_PLAN_SKU), term="", cycle="one_time")
    cart = pc_client.create_cart(customer, [plan_line])
    answer = requests.post(f"{LIVE_BASE_URL}/v1/customers/{customer}/carts/{cart.id}/checkout",
                           headers=APP, timeout=5)
    assert (answer.status_code, answer.json()["code"]) == (403, 800066)


def test_the_sandbox_registers_a_plan_as_documented(pc_client, make_customer, line):
    customer, plan = _buy_azure_plan(pc_client, make_customer, line)
    base = f"{LIVE_BASE_URL}/v1/customers/{customer}/subscriptions/{plan}"
    before = requests.get(base + "/registrationstatus", headers=APP, timeout=5)
    documented = sample("get_registration_status")["response"]["body"]
    assert shape_differences(documented, before.json()) == []
    assert before.json()["status"] == "NotRegistered"
    posted = requests.post(base + "/registrations", headers=APP, timeout=5)
    assert posted.status_code == 202 and posted.content == b""
    assert posted.headers["Location"] == sample("register_subscription")["response"][
        "headers"]["Location"].replace("<customer-id>", customer).replace(
        "<subscription-id>", plan)
    assert pc_client.get_registration_status(customer, plan) == "registered"


def _reservation(line, **context) -> CartLineRequest:
    base = line(RESERVATION, term="P1Y", cycle="one_time")
    return CartLineRequest(base.catalog_item_id, 1, "P1Y", "one_time",
                           reseller_mpn_id=base.reseller_mpn_id,
                           provisioning_context=tuple(context.items()))


def test_the_sandbox_refuses_a_reservation_line_without_its_provisioning_context(
        pc_client, make_customer, line):
    customer, _plan = _buy_azure_plan(pc_client, make_customer, line)
    (refused,) = pc_client.create_cart(customer, [_reservation(line)]).lines
    assert refused.error.code == "10010"  # [inferred]: the docs name no code for it


def test_the_sandbox_refuses_a_subscription_not_registered_for_reservations(
        pc_client, make_customer, line):
    customer, plan = _buy_azure_plan(pc_client, make_customer, line)
    azure_sub = pc_client.list_azure_entitlements(customer, plan)[0].id
    (refused,) = pc_client.create_cart(customer, [_reservation(
        line, subscriptionId=azure_sub, scope="single")]).lines
    assert refused.error.code == "10011"


def test_the_sandbox_orders_a_reservation_with_its_context_once_the_plan_is_registered(
        pc_client, pc_sandbox, make_customer, line):
    customer, plan = _buy_azure_plan(pc_client, make_customer, line)
    azure_sub = pc_client.list_azure_entitlements(customer, plan)[0].id
    pc_client.register_subscription(customer, plan)
    cart = pc_client.create_cart(customer, [_reservation(
        line, subscriptionId=azure_sub.upper(), scope="Shared")])
    assert cart.lines[0].error is None
    (order,) = pc_client.checkout_cart(customer, cart.id).orders
    placed = pc_sandbox.snapshot()["orders"][order.id]["wire"]["lineItems"][0]
    assert placed["provisioningContext"] == {"subscriptionId": azure_sub.upper(),
                                             "scope": "Shared"}


def test_the_sandbox_accepts_the_documented_reservation_line_shape(pc_sandbox):
    """The documented line's keys and casing (lower-case scope) pass the sandbox's check
    once its subscription is an Azure subscription of a registered plan."""
    doc = sample("create_cart_reservations")["request"]["body"]["lineItems"][2]
    sub_id = doc["provisioningContext"]["subscriptionId"]
    pc_sandbox.data["subscriptions"]["plan"] = {"customerId": "c"}
    azure.add_azure_subscription(pc_sandbox, "plan", sub_id)
    azure.azure_state(pc_sandbox)["registrations"]["plan"] = azure.REGISTERED
    item = pc_sandbox.catalog.resolve(
        f"{RESERVATION[0]}:{RESERVATION[1]}:DZH318Z0BNZH", pc_sandbox.data["availabilityIds"])
    assert azure.line_error(pc_sandbox, "c", doc, item) is None
    assert azure.line_error(pc_sandbox, "c", {k: v for k, v in doc.items()
                                              if k != "provisioningContext"},
                            item)["errorCode"] == 10010
