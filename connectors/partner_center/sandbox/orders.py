"""Orders: placed pending, completed after a number of reads or seconds (cancelled by
order_cancels).

Subscription ids appear on order lines only once the order completed; the subscriptions
themselves exist from checkout on, `pending` until then.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from connectors.partner_center import wire
from connectors.partner_center.sandbox import azure, coterming
from connectors.partner_center.sandbox.catalog import Resolved, list_price
from connectors.partner_center.sandbox.customers import (
    Answer,
    collection,
    country_of,
    customer,
    link,
)
from connectors.partner_center.sandbox.errors import SandboxError
from connectors.partner_center.sandbox.state import Sandbox
from connectors.partner_center.sandbox.terms import TERM, last_day

# A subscription with no term (an Azure plan, perpetual software) can't autorenew: for such
# subscriptions commitmentEndDate "represents a date far away in the future"
# (learn.microsoft.com/partner-center/developer/subscription-resources), and the Azure
# sample of get-a-subscription-by-id shows this one (tests/fixtures/partner_center/
# documented/get_subscription.json).
NO_TERM_END = datetime(9999, 12, 10, tzinfo=UTC)
_MONTHS = {"P1M": 1, "P1Y": 12, "P3Y": 36, "monthly": 1, "annual": 12, "triennial": 36}


def commitment_end(start: datetime, duration: str) -> datetime:
    """A new subscription's commitmentEndDate: its term's last day, or NO_TERM_END."""
    return last_day(start, duration) if TERM.fullmatch(duration or "") else NO_TERM_END


def _kind(item: Resolved, line: dict[str, Any]) -> str:
    """nce, software, perpetual, azure_plan or reservation: decides how it can be cancelled."""
    product_type = item.product["productType"]["id"]
    if azure.is_azure_plan(item):
        return "azure_plan"
    if product_type == "Azure":
        return "reservation"
    if product_type == "Software":
        return "perpetual" if not item.availability["terms"] else "software"
    return "nce"


def _refund_options(item: Resolved, line: dict[str, Any]) -> list[dict[str, Any]]:
    """The bought term's refund options ({type, expiresAfter}), none for other items."""
    for term in item.availability["terms"]:
        if term["duration"] == line.get("termDuration") and term["billingCycle"] == line.get(
                "billingCycle"):
            return [{"type": o["type"], "expiresAfter": o["expiresAfter"]}
                    for p in term.get("cancellationPolicies") or [] for o in p["refundOptions"]]
    return []


def _cancel_window_hours(options: list[dict[str, Any]]) -> int | None:
    """Hours after the term start during which cancellation is refunded (None: never)."""
    days = [int(m[1]) for o in options if (m := re.fullmatch(r"P(\d+)D", o["expiresAfter"]))]
    return max(days) * 24 if days else None


def _subscription(sb: Sandbox, tenant_id: str, order_id: str, line: dict[str, Any],
                  item: Resolved) -> dict[str, Any]:
    """A new pending subscription for one order line."""
    now, kind = sb.now(), _kind(item, line)
    recurring = kind in ("nce", "software")
    sub = {
        "id": str(uuid.uuid4()), "offerId": line["catalogItemId"],
        "offerName": item.sku["title"], "friendlyName": line.get("friendlyName")
        or item.product["title"], "quantity": int(line["quantity"]), "unitType": "Licenses",
        "productType": item.product["productType"], "orderId": order_id,
        "creationDate": wire.iso(now), "effectiveStartDate": wire.iso(now),
        "commitmentEndDate": wire.iso(coterming.first_term_end(sb, tenant_id, line)
                                      or commitment_end(now, line.get("termDuration", ""))),
        "billingCycle": line["billingCycle"], "termDuration": line.get("termDuration", ""),
        "status": "pending", "autoRenewEnabled": recurring, "billingType": "license",
        "isTrial": False, "partnerId": reseller_of(line), "contractType": "subscription",
        "isMicrosoftProduct": bool(item.product.get("isMicrosoftProduct")),
        "publisherName": item.product.get("publisherName", ""),
        "attributes": {"etag": str(uuid.uuid4()), "objectType": "Subscription"},
    }
    options = _refund_options(item, line)
    # Seats are refundable per addition (S2): the purchase is the first tranche.
    record = {"customerId": tenant_id, "productId": item.product["id"],
              "skuId": item.sku["id"], "kind": kind, "termStart": wire.iso(now),
              "cancelWindowHours": _cancel_window_hours(options), "refundPolicy": options,
              # since None: from the term start (purchase, renewal, or a back-dated start)
              "tranches": [{"quantity": sub["quantity"], "since": None}],
              "wire": sub}
    sb.data["subscriptions"][sub["id"]] = record
    return record


def reseller_of(line: dict[str, Any]) -> str:
    """The transaction_reseller participant (the reseller's MPN ID) of a cart line."""
    for participant in wire.items(line, "participants"):
        if wire.text(participant, "key").lower() == "transaction_reseller":
            return wire.text(participant, "value")
    return ""


def _money(amount: Decimal) -> float:
    """A price as the documented samples show it: a JSON number (30.4, 364.8)."""
    return float(amount.quantize(Decimal("0.01")))


def line_pricing(item: Resolved, line: dict[str, Any]) -> dict[str, Any]:
    """A line's Pricing (cart-resources): the price of one billing period, and the whole
    commitment as extendedPrice (12 × 30.4 = 364.8 for one P1Y seat billed monthly)."""
    term, cycle = wire.text(line, "termDuration"), wire.text(line, "billingCycle")
    unit = list_price(item.product["id"], term, cycle)
    periods = max(1, _MONTHS.get(term, 1) // _MONTHS.get(cycle, _MONTHS.get(term, 1)))
    quantity = int(wire.get(line, "quantity", 0) or 0)
    price = _money(unit)
    return {"listPrice": price, "discountedPrice": price, "proratedPrice": price,
            "price": price, "extendedPrice": _money(unit * quantity * periods)}


def catalog_links(catalog_item_id: str, country: str) -> dict[str, Any]:
    """Links to the product, SKU and availability of a catalog item (product:sku:avail)."""
    product, sku, availability = (catalog_item_id.split(":") + ["", "", ""])[:3]
    base = f"/products/{product}"
    return {"product": link(f"{base}?country={country}"),
            "sku": link(f"{base}/skus/{sku}?country={country}"),
            "availability": link(f"{base}/skus/{sku}/availabilities/{availability}"
                                 f"?country={country}")}


def _order_line(number: int, line: dict[str, Any], item: Resolved,
                country: str) -> dict[str, Any]:
    """An OrderLineItem: the cart line's pricing, catalog links, the partner of record."""
    out = {"lineItemNumber": number, "offerId": line["catalogItemId"],
           "termDuration": line.get("termDuration", ""), "transactionType": "New",
           "friendlyName": line.get("friendlyName") or item.product["title"],
           "quantity": int(line["quantity"])}
    if reseller_of(line):
        out["partnerIdOnRecord"] = reseller_of(line)
    if wire.obj(line, "provisioningContext"):  # a reservation's scope and subscription
        out["provisioningContext"] = wire.obj(line, "provisioningContext")
    out["pricing"] = line.get("pricing") or line_pricing(item, line)
    return out | {"links": catalog_links(line["catalogItemId"], country)}


def _order_links(tenant_id: str, order_id: str) -> dict[str, Any]:
    """An order's self, provisioningStatus and patchOperation links."""
    uri = f"/customers/{tenant_id}/orders/{order_id}"
    return {"self": link(uri), "provisioningStatus": link(f"{uri}/provisioningstatus"),
            "patchOperation": link(uri, "PATCH")}


def place(sb: Sandbox, tenant_id: str, pairs: list[tuple[dict[str, Any], Resolved]]
          ) -> dict[str, Any]:
    """Create a pending order (and its pending subscriptions) for one order group."""
    order_id, now, country = uuid.uuid4().hex[:16], sb.now(), country_of(sb, tenant_id)
    lines, subscription_ids = [], []
    for number, (line, item) in enumerate(pairs):
        subscription_ids.append(_subscription(sb, tenant_id, order_id, line, item)["wire"]["id"])
        if azure.is_azure_plan(item):
            azure.plan_created(sb, subscription_ids[-1])
        lines.append(_order_line(number, line, item, country))
    total = sum(li["pricing"]["extendedPrice"] for li in lines)
    order = {"id": order_id, "alternateId": order_id[:12], "referenceCustomerId": tenant_id,
             "billingCycle": pairs[0][0]["billingCycle"], "currencyCode": "USD",
             "currencySymbol": "$", "lineItems": lines, "creationDate": wire.iso(now),
             "status": "pending", "transactionType": "UserPurchase",
             "links": _order_links(tenant_id, order_id), "totalPrice": round(total, 2),
             "client": {"marketplaceCountry": country,
                        "deviceFamily": "UniversalStore-PartnerCenter",
                        "name": "Partner Center API"},
             "attributes": {"objectType": "Order"}}
    sb.data["orders"][order_id] = {"customerId": tenant_id, "polls": 0,
                                   "kind": _kind(pairs[0][1], pairs[0][0]),
                                   "subscriptionIds": subscription_ids, "wire": order}
    return order


def live_subscriptions(sb: Sandbox, tenant_id: str) -> list[dict[str, Any]]:
    """The customer's subscriptions that count against limits (not deleted)."""
    return [s for s in sb.data["subscriptions"].values()
            if s["customerId"] == tenant_id and s["wire"]["status"] != "deleted"]


def stored(sb: Sandbox, tenant_id: str, order_id: str) -> dict[str, Any]:
    """The stored order of this customer or 404/20000."""
    customer(sb, tenant_id)
    found = sb.data["orders"].get(order_id) or _legacy(sb).get(order_id)
    if found is None or found["customerId"] != tenant_id:
        raise SandboxError(404, 20000, f"Order {order_id} was not found.")
    return found


def poll(sb: Sandbox, record: dict[str, Any]) -> None:
    """Count a read of a pending order; complete it when polls or seconds say so."""
    order = record["wire"]
    if order["status"] != "pending":
        return
    seconds = sb.config.provisioning_seconds
    if seconds is not None:
        done = (sb.now() - wire.timestamp(order, "creationDate")).total_seconds() >= seconds
    else:
        done = record["polls"] >= sb.config.provisioning_polls
    record["polls"] += 1
    if done:
        order["status"] = "completed"
        for line, sub_id in zip(order["lineItems"], record["subscriptionIds"], strict=True):
            line["subscriptionId"] = sub_id
            sub = sb.data["subscriptions"][sub_id]["wire"]
            sub["status"] = "active" if sub["status"] == "pending" else sub["status"]
        # A read completed it: persisted like a write, or a restarted sandbox would bring
        # the order and its subscriptions back pending (and refuse their updates, 800082).
        sb.changed()


def get(sb: Sandbox, tenant_id: str, order_id: str) -> Answer:
    """GET {c}/orders/{id}."""
    record = stored(sb, tenant_id, order_id)
    poll(sb, record)
    return 200, shown(sb, record)


def shown(sb: Sandbox, record: dict[str, Any]) -> dict[str, Any]:
    """An order as answered; orders stored before links existed get them filled in."""
    order = record["wire"]
    if order.get("links", {}).get("patchOperation"):
        return order
    country = country_of(sb, record["customerId"])
    lines = [li | {"links": li.get("links") or catalog_links(li["offerId"], country)}
             for li in order["lineItems"]]
    return order | {"lineItems": lines,
                    "links": _order_links(record["customerId"], order["id"])}


def _legacy(sb: Sandbox) -> dict[str, Any]:
    """Orders from before October 2021 (legacy_orders): kept apart from the orders the
    sandbox takes, as their subscriptions are in no subscriptions list."""
    return sb.data.get("legacyOrders") or {}


def _billing_key(value: str) -> str:
    """A billing cycle compared as the docs use it: `?billingType=onetime` asks for orders
    whose billingCycle is `one_time`."""
    return value.replace("_", "").lower()


def list_all(sb: Sandbox, tenant_id: str, billing_type: str | None = None) -> Answer:
    """GET {c}/orders[?billingType=…]: every order of the customer, whatever its date."""
    customer(sb, tenant_id)
    wanted = _billing_key(billing_type or "")
    everything = [*_legacy(sb).values(), *sb.data["orders"].values()]
    found = [o for o in everything if o["customerId"] == tenant_id and _listed(sb, o)
             and (not wanted or _billing_key(o["wire"]["billingCycle"]) == wanted)]
    return 200, collection([shown(sb, o) for o in found])


def _listed(sb: Sandbox, record: dict[str, Any]) -> bool:
    """Whether the order list shows the order yet: new orders can take up to 15 minutes
    to appear there (config.order_list_lag_seconds), though GET by id finds them."""
    lag = sb.config.order_list_lag_seconds
    created = wire.timestamp(record["wire"], "creationDate")
    return not lag or created is None or (sb.now() - created).total_seconds() >= lag


def provisioning(sb: Sandbox, tenant_id: str, order_id: str) -> Answer:
    """GET {c}/orders/{id}/provisioningstatus: prefulfillmentpending → fulfilled."""
    record = stored(sb, tenant_id, order_id)
    poll(sb, record)
    status = {"completed": "fulfilled", "cancelled": "unfulfilled"}.get(
        record["wire"]["status"], "prefulfillmentpending")
    return 200, collection([{"orderLineItemId": li["lineItemNumber"],
                             "lineItemNumber": li["lineItemNumber"], "status": status,
                             "quantityProvisioningInformation": [
                                 {"quantity": li["quantity"], "status": status}]}
                            for li in record["wire"]["lineItems"]], links=False)
