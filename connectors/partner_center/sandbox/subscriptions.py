"""Subscriptions: read, and PATCH of the full resource with the 168-hour windows."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from connectors.partner_center import wire
from connectors.partner_center.sandbox import orders
from connectors.partner_center.sandbox.customers import Answer, collection, customer
from connectors.partner_center.sandbox.errors import SandboxError, bad_request, forbidden
from connectors.partner_center.sandbox.state import Sandbox


def _record(sb: Sandbox, tenant_id: str, subscription_id: str) -> dict[str, Any]:
    """The stored subscription of this customer or 404/20003."""
    customer(sb, tenant_id)
    found = sb.data["subscriptions"].get(subscription_id)
    if found is None or found["customerId"] != tenant_id:
        raise SandboxError(404, 20003, f"Subscription {subscription_id} was not found.")
    return found


def _window_end(record: dict[str, Any]) -> Any:
    """End of the refundable cancellation/seat-reduction window, or None."""
    hours = record["cancelWindowHours"]
    if hours is None:
        return None
    return wire.timestamp(record, "termStart") + timedelta(hours=hours)


def _view(sb: Sandbox, record: dict[str, Any]) -> dict[str, Any]:
    """Wire form with the clock-dependent fields filled in."""
    sub, end = dict(record["wire"]), _window_end(record)
    open_window = end is not None and sb.now() <= end and sub["status"] != "deleted"
    sub["actions"] = ["edit", "cancel"] if open_window else ["edit"]
    sub["refundableQuantity"] = {
        "totalQuantity": sub["quantity"] if open_window else 0,
        "details": [{"quantity": sub["quantity"], "allowedUntilDateTime": wire.iso(end)}]
        if open_window else []}
    if end is not None:
        sub["cancellationAllowedUntilDate"] = wire.iso(end)
    return sub


def list_all(sb: Sandbox, tenant_id: str, order_id: str | None) -> Answer:
    """GET {c}/subscriptions[?order_id=]; filtering by order counts as polling it."""
    customer(sb, tenant_id)
    if order_id and order_id in sb.data["orders"]:
        orders.poll(sb, sb.data["orders"][order_id])
    found = [_view(sb, s) for s in sb.data["subscriptions"].values()
             if s["customerId"] == tenant_id
             and (not order_id or s["wire"]["orderId"] == order_id)]
    return 200, collection(found)


def get(sb: Sandbox, tenant_id: str, subscription_id: str) -> Answer:
    """GET {c}/subscriptions/{id}; a read counts towards a change answered with 202."""
    record = _record(sb, tenant_id, subscription_id)
    _settle(sb, record)
    return 200, _view(sb, record)


def _settle(sb: Sandbox, record: dict[str, Any]) -> None:
    """Apply an accepted (202) change once enough reads have passed."""
    pending = record.get("pending")
    if not pending:
        return
    pending["reads"] -= 1
    if pending["reads"] <= 0:
        record["wire"] |= pending["changes"]
        del record["pending"]
        sb.changed()


def _check_state(record: dict[str, Any], if_match: str | None) -> None:
    """Refuse updates of deleted (2011) or unprovisioned (800082) subscriptions, stale ETag."""
    sub = record["wire"]
    if sub["status"] == "deleted":
        raise bad_request(2011, "The subscription has been deleted.")
    if sub["status"] == "pending":
        raise SandboxError(409, 800082, "The subscription is not ready yet.")
    if if_match and if_match.strip('"') != sub["attributes"]["etag"]:
        raise bad_request(2055, "Etag is no longer valid.")  # error-codes: 400, not 412


def _cancel(sb: Sandbox, record: dict[str, Any]) -> None:
    """status deleted: only within the window; software bought once is cancelled by order."""
    if record["kind"] in orders.CANCEL_BY_ORDER_DAYS:
        raise forbidden(800019, "Cancel this purchase with an order update.")
    end = _window_end(record)
    if end is None:
        raise bad_request(900213, "This subscription cannot be cancelled.")
    if sb.now() > end:
        raise bad_request(900213, f"Cancellation is allowed only within "
                                  f"{record['cancelWindowHours']} hours of purchase or renewal.")


def _quantity(sb: Sandbox, record: dict[str, Any], quantity: int) -> None:
    """Seat changes: increases any time, decreases only inside the window (900214)."""
    sub, item = record["wire"], sb.catalog.sku(record["productId"], record["skuId"])
    if sub["status"] == "suspended":
        raise bad_request(800091, "The subscription is suspended.")
    if not item["minimumQuantity"] <= quantity <= item["maximumQuantity"]:
        raise bad_request(2002, f"Quantity must be between {item['minimumQuantity']} and "
                                f"{item['maximumQuantity']}.")
    if quantity < sub["quantity"]:
        if record["kind"] != "nce":
            raise bad_request(800090, "Seats of this subscription cannot be decreased.")
        end = _window_end(record)
        if end is None or sb.now() > end:
            raise bad_request(900214, "Seats can be reduced only within "
                                      f"{record['cancelWindowHours']} hours of purchase.")


def patch(sb: Sandbox, tenant_id: str, subscription_id: str, body: dict[str, Any],
          if_match: str | None) -> Answer:
    """PATCH {c}/subscriptions/{id} with the full resource.

    Like Partner Center, fields missing from the body are not kept: a body without
    autoRenewEnabled switches autorenew off.
    """
    record = _record(sb, tenant_id, subscription_id)
    _check_state(record, if_match)
    sub = record["wire"]
    status = wire.text(body, "status", sub["status"]).lower()
    quantity = int(wire.get(body, "quantity", sub["quantity"]))
    if status == "deleted":
        _cancel(sb, record)
    elif status not in ("active", "suspended"):
        raise bad_request(2000, f"Status {status!r} cannot be set.")
    if quantity != sub["quantity"]:
        _quantity(sb, record, quantity)
    recurring = record["kind"] in ("nce", "software")
    changes = {"status": status, "quantity": quantity,
               "autoRenewEnabled": recurring and status != "deleted"
               and bool(wire.get(body, "autoRenewEnabled", False)),
               "friendlyName": wire.text(body, "friendlyName", sub["friendlyName"]),
               "attributes": {"etag": str(uuid.uuid4()), "objectType": "Subscription"}}
    reads = sb.config.subscription_patch_reads
    if reads > 0 and quantity != sub["quantity"]:
        record["pending"] = {"changes": changes, "reads": reads}
        # update-a-subscription-by-id: 202 and a Location (relative, without /v1).
        return 202, None, {"Location": f"/customers/{tenant_id}/subscriptions/{subscription_id}"}
    sub |= changes
    return 200, _view(sb, record)
