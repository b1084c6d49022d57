"""Orders: placed pending, completed after a number of reads or seconds, software cancel.

Subscription ids appear on order lines only once the order completed; the subscriptions
themselves exist from checkout on, `pending` until then.
"""

from __future__ import annotations

import re
import uuid
from calendar import monthrange
from datetime import datetime, timedelta
from typing import Any

from connectors.partner_center import wire
from connectors.partner_center.sandbox.catalog import Resolved
from connectors.partner_center.sandbox.customers import Answer, collection, customer
from connectors.partner_center.sandbox.errors import SandboxError, bad_request
from connectors.partner_center.sandbox.state import Sandbox

CANCEL_BY_ORDER_DAYS = {"perpetual": 30, "reservation": 60}


def add_term(start: datetime, duration: str) -> datetime:
    """Start plus an ISO term (P1M, P1Y, P3Y), clamping the day to the target month."""
    match = re.fullmatch(r"P(\d+)([MY])", duration or "")
    if not match:
        return start
    months = int(match[1]) * (12 if match[2] == "Y" else 1)
    year, month = divmod(start.month - 1 + months, 12)
    day = min(start.day, monthrange(start.year + year, month + 1)[1])
    return start.replace(year=start.year + year, month=month + 1, day=day)


def _kind(item: Resolved, line: dict[str, Any]) -> str:
    """nce, software, perpetual or reservation: decides how it can be cancelled."""
    product_type = item.product["productType"]["id"]
    if product_type == "Azure":
        return "reservation"
    if product_type == "Software":
        return "perpetual" if not item.availability["terms"] else "software"
    return "nce"


def _cancel_window_hours(item: Resolved, line: dict[str, Any]) -> int | None:
    """Hours after the term start during which cancellation is refunded (None: never)."""
    for term in item.availability["terms"]:
        if term["duration"] == line.get("termDuration") and term["billingCycle"] == line.get(
                "billingCycle"):
            days = [int(m[1]) for p in term.get("cancellationPolicies", [])
                    for o in p["refundOptions"]
                    if (m := re.fullmatch(r"P(\d+)D", o["expiresAfter"]))]
            return max(days) * 24 if days else None
    return None


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
        "commitmentEndDate": wire.iso(add_term(now, line.get("termDuration", ""))),
        "billingCycle": line["billingCycle"], "termDuration": line.get("termDuration", ""),
        "status": "pending", "autoRenewEnabled": recurring, "billingType": "license",
        "isTrial": False, "partnerId": reseller_of(line), "contractType": "subscription",
        "attributes": {"etag": str(uuid.uuid4()), "objectType": "Subscription"},
    }
    record = {"customerId": tenant_id, "productId": item.product["id"],
              "skuId": item.sku["id"], "kind": kind, "termStart": wire.iso(now),
              "cancelWindowHours": _cancel_window_hours(item, line), "wire": sub}
    sb.data["subscriptions"][sub["id"]] = record
    return record


def reseller_of(line: dict[str, Any]) -> str:
    """The transaction_reseller participant (the reseller's MPN ID) of a cart line."""
    for participant in wire.items(line, "participants"):
        if wire.text(participant, "key").lower() == "transaction_reseller":
            return wire.text(participant, "value")
    return ""


def place(sb: Sandbox, tenant_id: str, pairs: list[tuple[dict[str, Any], Resolved]]
          ) -> dict[str, Any]:
    """Create a pending order (and its pending subscriptions) for one order group."""
    order_id, now = uuid.uuid4().hex[:16], sb.now()
    lines, subscription_ids = [], []
    for number, (line, item) in enumerate(pairs):
        subscription_ids.append(_subscription(sb, tenant_id, order_id, line, item)["wire"]["id"])
        lines.append({"lineItemNumber": number, "offerId": line["catalogItemId"],
                      "termDuration": line.get("termDuration", ""), "transactionType": "New",
                      "friendlyName": line.get("friendlyName") or item.product["title"],
                      "quantity": int(line["quantity"]), "partnerIdOnRecord": reseller_of(line),
                      "links": {}})
    order = {"id": order_id, "alternateId": order_id[:12], "referenceCustomerId": tenant_id,
             "billingCycle": pairs[0][0]["billingCycle"], "currencyCode": "USD",
             "currencySymbol": "$", "lineItems": lines, "creationDate": wire.iso(now),
             "status": "pending", "transactionType": "UserPurchase",
             "links": {"self": {"uri": f"/customers/{tenant_id}/orders/{order_id}",
                                "method": "GET", "headers": []}},
             "attributes": {"objectType": "Order"}}
    sb.data["orders"][order_id] = {"customerId": tenant_id, "polls": 0,
                                   "kind": _kind(pairs[0][1], pairs[0][0]),
                                   "subscriptionIds": subscription_ids, "wire": order}
    return order


def live_subscriptions(sb: Sandbox, tenant_id: str) -> list[dict[str, Any]]:
    """The customer's subscriptions that count against limits (not deleted)."""
    return [s for s in sb.data["subscriptions"].values()
            if s["customerId"] == tenant_id and s["wire"]["status"] != "deleted"]


def _order(sb: Sandbox, tenant_id: str, order_id: str) -> dict[str, Any]:
    """The stored order of this customer or 404/20000."""
    customer(sb, tenant_id)
    found = sb.data["orders"].get(order_id)
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
    record = _order(sb, tenant_id, order_id)
    poll(sb, record)
    return 200, record["wire"]


def list_all(sb: Sandbox, tenant_id: str) -> Answer:
    """GET {c}/orders."""
    customer(sb, tenant_id)
    return 200, collection([o["wire"] for o in sb.data["orders"].values()
                            if o["customerId"] == tenant_id])


def provisioning(sb: Sandbox, tenant_id: str, order_id: str) -> Answer:
    """GET {c}/orders/{id}/provisioningstatus: prefulfillmentpending → fulfilled."""
    record = _order(sb, tenant_id, order_id)
    poll(sb, record)
    status = {"completed": "fulfilled", "cancelled": "unfulfilled"}.get(
        record["wire"]["status"], "prefulfillmentpending")
    return 200, collection([{"lineItemNumber": li["lineItemNumber"], "status": status,
                             "quantityProvisioningInformation": [
                                 {"quantity": li["quantity"], "status": status}]}
                            for li in record["wire"]["lineItems"]])


def cancel(sb: Sandbox, tenant_id: str, order_id: str, body: dict[str, Any]) -> Answer:
    """PATCH {c}/orders/{id}: cancel perpetual software (30 days) or a reservation."""
    record = _order(sb, tenant_id, order_id)
    if wire.text(body, "status").lower() != "cancelled":
        raise bad_request(2000, "Only status 'cancelled' can be set on an order.")
    days = CANCEL_BY_ORDER_DAYS.get(record["kind"])
    if days is None:
        raise bad_request(800063, "Cancel this purchase by updating its subscription.")
    created = wire.timestamp(record["wire"], "creationDate")
    if sb.now() - created > timedelta(days=days):
        raise bad_request(900117, f"Orders can be cancelled only within {days} days.")
    record["wire"]["status"] = "cancelled"
    for sub_id in record["subscriptionIds"]:
        sb.data["subscriptions"][sub_id]["wire"] |= {"status": "deleted",
                                                     "autoRenewEnabled": False}
    return 200, record["wire"]
