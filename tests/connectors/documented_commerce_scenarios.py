"""The documented catalog, cart, order and subscription requests, pointed at the sandbox
(see test_documented_contract.py). The sandbox sells new commerce, software and one Azure
reservation; where a page's only sample is of another kind, the scenario says which
sample of the same resource it is held to instead."""

from __future__ import annotations

from typing import Any

from tests.connectors.documented import sample, with_ids, with_items, with_values
from tests.connectors.documented_world import (
    E3,
    SQL_SERVER,
    WINDOWS_SERVER,
    Check,
    World,
    against,
    registry,
)

COMMERCE, scenario = registry()
BUSINESS_STANDARD = ("CFQ7TTC0LDPB", "0001")


def _new_commerce_order() -> dict[str, Any]:
    """The one new-commerce Order the docs show (checkout-a-cart; get-an-order-by-id and
    get-all-of-a-customer-s-orders only show 2018 Azure-reservation and legacy orders)."""
    return sample("checkout_cart")["alternatives"][0]["response"]["body"]


def _new_commerce_subscription(patched: bool = False) -> dict[str, Any]:
    """get-a-subscription-by-id's new-commerce sample; answers to a PATCH carry the
    attributes its PATCH samples show (etag "")."""
    body = sample("get_subscription")["response"]["body"]
    if patched:
        body["attributes"] = sample("cancel_subscription")["response"]["body"]["attributes"]
    return body


@scenario("list_products")
def _products(w: World) -> Check:
    doc = sample("list_products")  # targetView=OnlineServices, the new-commerce sample
    answer = w.send("GET", doc["requests"][3]["path"], query=doc["requests"][3]["query"])
    return against("list_products", answer, doc["responses"][1])


@scenario("list_skus")
def _skus(w: World) -> Check:
    doc = sample("list_skus")  # held to the new-commerce SKU sample (CFQ7TTC0LH18)
    request = doc["requests"][0]
    answer = w.send("GET", with_ids(request["path"], products=BUSINESS_STANDARD[0]),
                    query=request["query"])
    return against("list_skus", answer, doc["responses"][1])


@scenario("list_availabilities")
def _availabilities(w: World) -> Check:
    doc = sample("list_availabilities")
    request = doc["requests"][0]
    path = with_ids(request["path"], products=BUSINESS_STANDARD[0], skus=BUSINESS_STANDARD[1])
    # The new-commerce sample drops the collection: its envelope comes from the Azure one.
    shape = with_items(doc["responses"][0]["body"], doc["responses"][1]["body"])
    return Check("list_availabilities", w.send("GET", path, query=request["query"]), 200,
                 shape)


def _cart(w: World, customer: str):
    request = sample("create_cart")["request"]  # "LineItems", "BillingCycle": "Monthly"
    body = with_values(request["body"], {"lineItems[].catalogItemId": w.catalog_item(E3)})
    return w.send("POST", with_ids(request["path"], customers=customer), body=body)


@scenario("create_cart")
def _create_cart(w: World) -> Check:
    answer = _cart(w, w.customer())
    assert answer.json()["lineItems"][0]["billingCycle"] == "monthly"
    return against("create_cart", answer, sample("create_cart")["response"])


@scenario("get_cart")
def _get_cart(w: World) -> Check:
    customer = w.customer()
    cart = _cart(w, customer).json()["id"]
    path = with_ids(sample("get_cart")["request"]["path"], customers=customer, carts=cart)
    # No sample exists for get_cart: the Cart is the one create-a-cart answers.
    return Check("get_cart", w.send("GET", path), sample("get_cart")["response"]["status"],
                 sample("create_cart")["response"]["body"])


def _checked_out(w: World) -> tuple[str, dict[str, Any]]:
    customer = w.customer()
    cart = _cart(w, customer).json()["id"]
    path = with_ids(sample("checkout_cart")["request"]["path"], customers=customer, carts=cart)
    return customer, w.send("POST", path)


@scenario("checkout_cart")
def _checkout(w: World) -> Check:
    _customer, answer = _checked_out(w)
    doc = sample("checkout_cart")
    return Check("checkout_cart", answer, doc["response"]["status"],
                 {"orders": [_new_commerce_order()]},
                 absent_ok={"orders[].lineItems[].subscriptionId":
                            "checkout-a-cart: present only once provisioned"})


@scenario("get_order")
def _get_order(w: World) -> Check:
    customer, answer = _checked_out(w)
    order = answer.json()["orders"][0]["id"]
    path = with_ids(sample("get_order")["request"]["path"], customers=customer, orders=order)
    return Check("get_order", w.send("GET", path), 200, _new_commerce_order())


@scenario("list_orders")
def _list_orders(w: World) -> Check:
    customer, checkout = _checked_out(w)
    w.client.get_order(customer, checkout.json()["orders"][0]["id"])  # now provisioned
    doc = sample("list_orders")
    answer = w.send("GET", with_ids(doc["request"]["path"], customers=customer))
    return Check("list_orders", answer, 200,
                 with_items(doc["response"]["body"], _new_commerce_order()))


@scenario("get_order_provisioning_status")
def _provisioning(w: World) -> Check:
    customer, answer = _checked_out(w)
    doc = sample("get_order_provisioning_status")
    path = with_ids(doc["request"]["path"], customers=customer,
                    orders=answer.json()["orders"][0]["id"])
    return against("get_order_provisioning_status", w.send("GET", path), doc["response"])


def _cancel_software(w: World, request: dict[str, Any], answer: dict[str, Any]) -> Check:
    customer, order, sub = w.buy(WINDOWS_SERVER, term="", cycle="one_time")
    body = with_values(request["body"], {"id": order} | (
        {"lineItems[].offerId": sub["offerId"]} if "lineItems" in request["body"] else {}))
    path = with_ids(request["path"], customers=customer, orders=order)
    return against("cancel_order", w.send("PATCH", path, body=body), answer)


@scenario("cancel_order")
def _cancel_order(w: World) -> Check:
    doc = sample("cancel_order")  # perpetual software, cancelled line by line
    return _cancel_software(w, doc["request"], doc["response"])


@scenario("cancel_order[integration sandbox]")
def _cancel_whole_order(w: World) -> Check:
    alternative = sample("cancel_order")["alternatives"][0]  # {id, status} only
    return _cancel_software(w, alternative["request"], alternative["response"])


@scenario("list_subscriptions")
def _list_subscriptions(w: World) -> Check:
    customer, _order, _sub = w.buy()
    doc = sample("list_subscriptions")
    # The page's main sample is a 2015 legacy offer: the envelope of its software sample,
    # holding the new-commerce subscription of get-a-subscription-by-id.
    envelope = doc["alternatives"][0]["response"]["body"]
    answer = w.send("GET", with_ids(doc["request"]["path"], customers=customer))
    return Check("list_subscriptions", answer, 200,
                 with_items(envelope, _new_commerce_subscription()))


@scenario("get_subscription")
def _get_subscription(w: World) -> Check:
    customer, _order, sub = w.buy(quantity=3)
    doc = sample("get_subscription")
    path = with_ids(doc["request"]["path"], customers=customer, subscriptions=sub["id"])
    return against("get_subscription", w.send("GET", path), doc["response"])


def _patch(w: World, request: dict[str, Any], customer: str, sub: dict[str, Any],
           if_match: bool = False):
    """PATCH the documented body with the sandbox subscription's ids (the rest as shown)."""
    body = with_values(request["body"], {"id": sub["id"], "offerId": sub["offerId"],
                                         "orderId": sub["orderId"]})
    path = with_ids(request["path"], customers=customer, subscriptions=sub["id"])
    headers = {"If-Match": f'"{sub["attributes"]["etag"]}"'} if if_match else None
    return w.send("PATCH", path, body=body, headers=headers)


@scenario("update_subscription")
def _rename(w: World) -> Check:
    customer, _order, sub = w.buy()
    answer = _patch(w, sample("update_subscription")["requests"][0], customer, sub)
    assert answer.json()["friendlyName"] == "nickname"
    # The page's 200 sample is a legacy PascalCase body: held to the new-commerce resource.
    return Check("update_subscription", answer, 200, _new_commerce_subscription(True))


@scenario("update_subscription[202]")
def _slow_seat_change(w: World) -> Check:
    customer, _order, sub = w.buy(quantity=3)
    w.sandbox.config.subscription_patch_reads = 2
    doc = sample("update_subscription")
    answer = _patch(w, doc["requests"][0], customer, sub)  # quantity 3 → 1
    assert answer.headers["Location"] == f"/customers/{customer}/subscriptions/{sub['id']}"
    return against("update_subscription", answer, doc["responses"][1])


@scenario("update_subscription_quantity")
def _seat_reduction(w: World) -> Check:
    customer, _order, sub = w.buy(quantity=10)  # the sample's "original value = 10"
    doc = sample("update_subscription_quantity")
    answer = _patch(w, doc["requests"][0], customer, sub)
    assert answer.json()["refundableQuantity"]["totalQuantity"] == 1
    # The page shows this answer as "202" with a body, yet its prose says success is 200
    # with the resource and 202 means "read it at the Location": 200 it is.
    return Check("update_subscription_quantity", answer, 200, doc["responses"][1]["body"])


@scenario("update_subscription_quantity[800090]")
def _seats_never_removable(w: World) -> Check:
    # The sample says new commerce outside the 7-day window; the sandbox answers 800090
    # where seats can never be removed (software subscriptions) and keeps 900214, the
    # hour-window code of error-codes.md, for new commerce.
    customer, _order, sub = w.buy(SQL_SERVER, quantity=5, term="P1Y", cycle="annual")
    doc = sample("update_subscription_quantity")
    answer = _patch(w, doc["requests"][0], customer, sub)
    error = doc["error_samples"][0]
    return Check("update_subscription_quantity", answer, 400, error["body"],
                 equal=("code", "source"))


@scenario("update_subscription_autorenew")
def _autorenew_off(w: World) -> Check:
    customer, _order, sub = w.buy()
    doc = sample("update_subscription_autorenew")  # the new-commerce request, If-Match
    answer = _patch(w, doc["requests"][0], customer, sub, if_match=True)
    assert answer.json()["autoRenewEnabled"] is False
    # Its only answer is a marketplace SaaS one: held to the new-commerce resource.
    return Check("update_subscription_autorenew", answer, doc["response"]["status"],
                 _new_commerce_subscription(True))


@scenario("update_subscription_autorenew[800091]")
def _autorenew_on_while_suspended(w: World) -> Check:
    customer, _order, sub = w.buy(quantity=2)
    suspended = _status_change(w, "suspend_subscription", customer, sub).json()
    doc = sample("update_subscription_autorenew")
    request = doc["requests"][0]  # the sample's "original value = true", still suspended
    request["body"] |= {"status": "suspended", "autoRenewEnabled": True}
    answer = _patch(w, request, customer, suspended, if_match=True)
    documented = next(e for e in doc["errors"] if e["code"] == 800091)  # error-codes' row
    assert answer.json()["code"] == documented["code"]
    assert documented["description"] in answer.json()["description"]
    error = sample("update_subscription_quantity")["error_samples"][0]  # the error body
    return Check("update_subscription_autorenew", answer, documented["status"], error["body"],
                 equal=("source",))


@scenario("cancel_subscription")
def _cancel_subscription(w: World) -> Check:
    customer, _order, sub = w.buy()
    doc = sample("cancel_subscription")  # a marketplace SaaS body with status "deleted"
    answer = _patch(w, doc["request"], customer, sub, if_match=True)
    assert answer.json()["status"] == "deleted"
    return Check("cancel_subscription", answer, doc["response"]["status"],
                 _new_commerce_subscription(True),
                 absent_ok={"refundableQuantity.details[]": "nothing is refundable once "
                                                            "cancelled"})


def _status_change(w: World, name: str, customer: str, sub: dict[str, Any]):
    """PATCH the documented (legacy, PascalCase) status body with this subscription's ids."""
    request = sample(name)["request"]
    body = with_values(request["body"], {"id": sub["id"], "orderId": sub["orderId"]})
    path = with_ids(request["path"], customers=customer, subscriptions=sub["id"])
    headers = {"If-Match": f'"{sub["attributes"]["etag"]}"'} if "If-Match" in \
        request["headers"] else None
    return w.send("PATCH", path, body=body, headers=headers)


@scenario("suspend_subscription")
def _suspend(w: World) -> Check:
    customer, _order, sub = w.buy(quantity=2)  # the sample's Quantity
    answer = _status_change(w, "suspend_subscription", customer, sub)
    assert (answer.json()["status"], answer.json()["autoRenewEnabled"]) == ("suspended", False)
    # The page shows no status (its "response" repeats the request line): the resource
    # answer of update-a-subscription-by-id, 200, held to the new-commerce resource.
    return Check("suspend_subscription", answer, 200, _new_commerce_subscription(True))


@scenario("reactivate_subscription")
def _reactivate(w: World) -> Check:
    customer, _order, sub = w.buy(quantity=2)
    suspended = _status_change(w, "suspend_subscription", customer, sub).json()
    answer = _status_change(w, "reactivate_subscription", customer, suspended)
    assert answer.json()["status"] == "active"
    return Check("reactivate_subscription", answer, 200, _new_commerce_subscription(True))


def _schedule(w: World, customer: str, sub: dict[str, Any], **values: Any):
    """PATCH the documented scheduled-changes body, its instructions naming this
    subscription's own product (the sample's DG7GMGF0DVSV is not in the sandbox)."""
    request = sample("schedule_next_term")["request"]
    product, sku, availability = sub["offerId"].split(":")
    body = with_values(request["body"], {
        "id": sub["id"], "offerId": sub["offerId"], "orderId": sub["orderId"],
        "scheduledNextTermInstructions.product.productId": product,
        "scheduledNextTermInstructions.product.skuId": sku,
        "scheduledNextTermInstructions.product.availabilityId": availability} | values)
    path = with_ids(request["path"], customers=customer, subscriptions=sub["id"])
    return w.send("PATCH", path, body=body,
                  headers={"If-Match": f'"{sub["attributes"]["etag"]}"'})


@scenario("schedule_next_term")
def _schedule_next_term(w: World) -> Check:
    customer, _order, sub = w.buy()
    answer = _schedule(w, customer, sub)
    doc = sample("schedule_next_term")["response"]
    shown = answer.json()["scheduledNextTermInstructions"]
    assert (shown["quantity"], shown["product"]["termDuration"]) == (1, "P3Y")
    # The page's answer is a marketplace SaaS resource with a top-level customTermEndDate
    # (the coterm date of a purchase, not sent here): held to the new-commerce resource
    # carrying the documented instructions.
    expected = _new_commerce_subscription(True) | {
        "scheduledNextTermInstructions": doc["body"]["scheduledNextTermInstructions"]}
    return Check("schedule_next_term", answer, doc["status"], expected)


@scenario("schedule_next_term[800093]")
def _schedule_without_autorenew(w: World) -> Check:
    customer, _order, sub = w.buy()
    off = _patch(w, sample("update_subscription_autorenew")["requests"][0], customer, sub,
                 if_match=True).json()
    answer = _schedule(w, customer, off, autoRenewEnabled=False)
    error = sample("update_subscription_quantity")["error_samples"][0]  # the error body
    assert answer.json()["code"] == 800093
    return Check("schedule_next_term", answer, 400, error["body"], equal=("source",))


@scenario("get_transition_eligibilities")
def _transition_eligibilities(w: World) -> Check:
    customer, _order, sub = w.buy(BUSINESS_STANDARD)  # the sandbox upgrades it to E3
    w.buy(E3)  # another customer's E3: not a target
    doc = sample("get_transition_eligibilities")
    path = with_ids(doc["request"]["path"].replace("{customer-tenant-id}", "c")
                    .replace("{subscription-id}", "s"), customers=customer,
                    subscriptions=sub["id"])
    answer = w.send("GET", path, query=doc["request"]["query"])
    (item,) = answer.json()["items"]
    assert item["catalogItemId"].startswith(E3[0]) and item["subscriptionEligibilities"] == []
    # The sample's first item has an existing target subscription, its second none: the
    # sandbox's customer holds no E3, so its list is empty (the page: "empty lists").
    return Check("get_transition_eligibilities", answer, 200, doc["response"]["body"],
                 absent_ok={"items[].subscriptionEligibilities[]": "no E3 to merge into"})


@scenario("create_transition")
def _create_transition(w: World) -> Check:
    customer, _order, sub = w.buy(BUSINESS_STANDARD, quantity=3)
    doc = sample("create_transition")
    request = doc["request"]
    body = with_values(request["body"], {
        "fromCatalogItemId": sub["offerId"], "fromSubscriptionId": sub["id"],
        "toCatalogItemId": w.catalog_item(E3)})
    del body["toSubscriptionId"]  # a new E3 subscription (the sample names an existing one)
    path = with_ids(request["path"].replace("{customerId}", "c")
                    .replace("{subscriptionId}", "s"), customers=customer,
                    subscriptions=sub["id"])
    answer = w.send("POST", path, body=body)
    moved = answer.json()
    assert (moved["quantity"], moved["events"][0]["status"]) == (2, "Started")
    source = w.send("GET", f"/v1/customers/{customer}/subscriptions/{sub['id']}").json()
    assert source["quantity"] == 1  # two of three seats moved
    return Check("create_transition", answer, 200, doc["response"]["body"],
                 absent_ok={"Events": "camelCase events, as transition-resources names it"})


@scenario("get_transitions")
def _transitions(w: World) -> Check:
    customer, _order, sub = w.buy(BUSINESS_STANDARD, quantity=3)
    moved = w.send("POST", f"/v1/customers/{customer}/subscriptions/{sub['id']}/transitions",
                   body={"toCatalogItemId": w.catalog_item(E3), "quantity": 2,
                         "transitionType": "transition_only"}).json()
    doc = sample("get_transitions")
    path = with_ids(doc["request"]["path"].replace("{customer-tenant-id}", "c")
                    .replace("{subscription-id}", "s"), customers=customer,
                    subscriptions=sub["id"])
    answer = w.send("GET", path, query=doc["request"]["query"])
    (history,) = answer.json()["transition"]
    assert (history["fromSubscriptionId"], history["toSubscriptionId"], history["quantity"]) \
        == (sub["id"], moved["toSubscriptionId"], 2)
    assert [(e["name"], e["status"]) for e in history["events"]] == [
        ("Conversion", "Started"), ("Conversion", "Completed")]
    return Check("get_transitions", answer, 200, doc["response"]["body"],
                 absent_ok={"transition[].FromCatalogItemId": "camelCase, as transition-"
                                                              "resources names it",
                            "transition[].ToCatalogItemId": "camelCase, likewise",
                            "transition[].Events": "camelCase events, likewise"})


@scenario("get_custom_term_end_dates")
def _custom_term_end_dates(w: World) -> Check:
    customer, _order, sub = w.buy(E3)  # a monthly subscription: the new one may align to it
    doc = sample("get_custom_term_end_dates")
    path = with_ids(doc["request"]["path"], customers=customer)
    answer = w.send("GET", path, query=doc["request"]["query"])
    month_end, aligned = answer.json()["items"]  # the sample's two kinds, in its order
    assert month_end["allowedCustomTermEndDateType"] == "calendarMonthAligned"
    assert aligned["cotermSubscriptionIds"] == [sub["id"]]
    return Check("get_custom_term_end_dates", answer, 200, doc["response"]["body"])
