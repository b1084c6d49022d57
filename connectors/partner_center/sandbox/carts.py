"""Carts and checkout: order groups, per-line errors and pricing, MCA, plan limits,
duplicate guards."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from connectors.partner_center import wire
from connectors.partner_center.sandbox import azure, coterming, orders
from connectors.partner_center.sandbox.catalog import Resolved, is_withdrawn
from connectors.partner_center.sandbox.customers import Answer, country_of, customer, link
from connectors.partner_center.sandbox.errors import SandboxError, bad_request, forbidden
from connectors.partner_center.sandbox.partners import has_mca
from connectors.partner_center.sandbox.state import Sandbox

POOLED_SEAT_CAP = 300


def _line_error(code: int, description: str) -> dict[str, Any]:
    """A cart line's error object."""
    return {"errorCode": code, "errorDescription": description}  # a number (cart-resources)


def _normalized(line: dict[str, Any]) -> dict[str, Any]:
    """Enums as Partner Center reads them, in any case: the documented cart sample sends
    "BillingCycle": "Monthly"; answers carry lower-case cycles and upper-case terms."""
    fixed = dict(line)
    if isinstance(fixed.get("billingCycle"), str):
        fixed["billingCycle"] = fixed["billingCycle"].lower()
    if isinstance(fixed.get("termDuration"), str):
        fixed["termDuration"] = fixed["termDuration"].upper()
    return fixed


def _terms_ok(line: dict[str, Any], availability: dict[str, Any]) -> bool:
    """The line's term and billing cycle are offered (perpetual: one_time, no term)."""
    terms = availability["terms"]
    cycle, duration = wire.text(line, "billingCycle"), wire.text(line, "termDuration").upper()
    if not terms:
        return cycle == "one_time"
    return any(t["duration"] == duration and t["billingCycle"].lower() == cycle for t in terms)


def _resolve_line(sb: Sandbox, line: dict[str, Any]
                  ) -> tuple[Resolved | None, dict[str, Any] | None]:
    """The line's catalog item and its problem, if any (codes 10001–10010)."""
    try:
        item = sb.catalog.resolve(wire.text(line, "catalogItemId"), sb.data["availabilityIds"])
    except SandboxError as error:
        if error.code == 400019:  # rotated since the cart's client read it: fails at checkout
            return None, None
        return None, _line_error(10001, error.description)
    return item, _check_line(sb, line, item)


def _check_line(sb: Sandbox, line: dict[str, Any], item: Resolved) -> dict[str, Any] | None:
    """Per-line problems Partner Center reports inside the cart (codes 10004, 10010)."""
    quantity = int(wire.get(line, "quantity", 0) or 0)
    if not item.sku["minimumQuantity"] <= quantity <= item.sku["maximumQuantity"]:
        return _line_error(10010, f"Quantity must be between {item.sku['minimumQuantity']} "
                                  f"and {item.sku['maximumQuantity']}.")
    if not _terms_ok(line, item.availability):
        return _line_error(10010, "This term and billing cycle are not offered.")
    reseller = orders.reseller_of(line)
    if reseller and reseller not in sb.data["mpn"]:
        return _line_error(10004, f"Partner {reseller} cannot be the partner of record.")
    return None


def create(sb: Sandbox, tenant_id: str, body: dict[str, Any], user: str) -> Answer:
    """POST {c}/carts → 201 with orderGroup per line and +7 days expiry."""
    customer(sb, tenant_id)
    lines = [_normalized(line) for line in wire.items(body, "lineItems")]
    if not lines:
        raise bad_request(2000, "A cart needs at least one line item.")
    if any(orders.reseller_of(li) for li in lines) and not wire.get(
            body, "partnerOnRecordAttestationAccepted"):
        raise bad_request(900206, "PartnerOnRecordAttestationAccepted is required.")
    groups: dict[str, str] = {}
    out = []
    for index, line in enumerate(lines):
        group = groups.setdefault(wire.text(line, "billingCycle"), str(len(groups)))
        out.append(_cart_line(sb, tenant_id, line, index, group))
    now, cart_id = sb.now(), str(uuid.uuid4())
    cart = {"id": cart_id, "creationTimestamp": wire.iso(now),
            "lastModifiedTimestamp": wire.iso(now),
            "expirationTimestamp": wire.iso(now + timedelta(days=7)),
            "lastModifiedUser": str(uuid.uuid5(uuid.NAMESPACE_URL, user)), "status": "Active",
            "lineItems": out,
            "links": {"self": link(f"/customers/{tenant_id}/carts/{cart_id}")},
            "attributes": {"objectType": "Cart"}}
    # The attestation is kept beside the cart: the documented answers never echo it.
    sb.data["carts"][cart_id] = {"customerId": tenant_id, "processing": False, "wire": cart,
                                 "attestation": bool(wire.get(
                                     body, "partnerOnRecordAttestationAccepted"))}
    return 201, cart


def _cart_line(sb: Sandbox, tenant_id: str, line: dict[str, Any], index: int,
               group: str) -> dict[str, Any]:
    """A cart line as answered: id, order group, currency, provisioningContext, and either
    its pricing or its error (R6: a customTermEndDate Partner Center does not allow)."""
    item, error = _resolve_line(sb, line)
    error = error or (coterming.line_error(sb, tenant_id, line) if item else None)
    error = error or (azure.line_error(sb, tenant_id, line, item) if item else None)
    out = {"provisioningContext": {}} | line | {
        "id": wire.get(line, "id", index), "orderGroup": group, "currencyCode": "USD"}
    if error:
        return out | {"error": error}
    return out | ({"pricing": orders.line_pricing(item, line)} if item else {})


def _cart(sb: Sandbox, tenant_id: str, cart_id: str) -> dict[str, Any]:
    """The stored cart of this customer or 404/800008."""
    found = sb.data["carts"].get(cart_id)
    if found is None or found["customerId"] != tenant_id:
        raise SandboxError(404, 800008, f"Cart {cart_id} was not found.")
    return found


def get(sb: Sandbox, tenant_id: str, cart_id: str) -> Answer:
    """GET {c}/carts/{id}."""
    return 200, _cart(sb, tenant_id, cart_id)["wire"]


def begin_checkout(sb: Sandbox, tenant_id: str, cart_id: str) -> None:
    """Claim the cart: 400/800065 when already ordered, 409/800064 while another runs."""
    customer(sb, tenant_id)
    cart = _cart(sb, tenant_id, cart_id)
    if cart["wire"]["status"] == "Ordered":
        raise bad_request(800065, "The cart has already been submitted.")
    if cart["processing"]:
        raise SandboxError(409, 800064, "The cart is being processed.")
    if sb.now() > wire.timestamp(cart["wire"], "expirationTimestamp"):
        raise SandboxError(404, 800008, f"Cart {cart_id} has expired.")
    cart["processing"] = True


def release(sb: Sandbox, cart_id: str) -> None:
    """Let go of the cart after a failed checkout."""
    sb.data["carts"][cart_id]["processing"] = False


def _resolve_all(sb: Sandbox, lines: list[dict[str, Any]], country: str) -> list[Resolved]:
    """Resolve buyable lines: 404/400019 stale availability, 403/2091 no longer sold (in
    the customer's country)."""
    resolved = []
    for line in lines:
        item = sb.catalog.resolve(line["catalogItemId"], sb.data["availabilityIds"])
        if not item.availability["isPurchasable"] or is_withdrawn(
                sb.data.get("withdrawnSkus"), item.product["id"], item.sku["id"], country):
            raise forbidden(2091, f"{item.product['title']} is no longer available.")
        resolved.append(item)
    return resolved


def _check_limits(sb: Sandbox, tenant_id: str, lines: list[dict[str, Any]],
                  items: list[Resolved]) -> None:
    """Concurrent-subscription limit (800066) and the pooled 300-seat cap (800088)."""
    held = orders.live_subscriptions(sb, tenant_id)
    for item in {(i.product["id"], i.sku["id"]): i for i in items}.values():
        key = (item.product["id"], item.sku["id"])
        mine = [ln for ln, it in zip(lines, items, strict=True)
                if (it.product["id"], it.sku["id"]) == key]
        same = [s for s in held if (s["productId"], s["skuId"]) == key]
        limit = item.sku.get("limit")
        if item.sku.get("limitUnitOfMeasure") == "Concurrent" and len(same) + len(mine) > limit:
            raise forbidden(800066, f"The customer can hold at most {limit} subscriptions "
                                    f"of {item.product['title']}.")
        seats = sum(s["wire"]["quantity"] for s in same)
        if item.sku["maximumQuantity"] == POOLED_SEAT_CAP and seats + sum(
                int(ln["quantity"]) for ln in mine) > POOLED_SEAT_CAP:
            raise forbidden(800088, f"Only {POOLED_SEAT_CAP - seats} seats remain for "
                                    f"{item.product['title']} on this tenant.")


def finish_checkout(sb: Sandbox, tenant_id: str, cart_id: str) -> Answer:
    """Create one order per order group; errored groups become orderErrors."""
    cart = _cart(sb, tenant_id, cart_id)
    lines = cart["wire"]["lineItems"]
    failed = {ln["orderGroup"]: ln["error"] for ln in lines if ln.get("error")}
    buyable = [ln for ln in lines if ln["orderGroup"] not in failed]
    items = _resolve_all(sb, buyable, country_of(sb, tenant_id))
    if any("MicrosoftCustomerAgreement" in i.sku["purchasePrerequisites"] for i in items) \
            and not has_mca(sb, tenant_id):
        raise forbidden(13605, "The customer has not accepted the Microsoft Customer "
                               "Agreement.")
    _check_limits(sb, tenant_id, buyable, items)
    created = []
    for group in dict.fromkeys(ln["orderGroup"] for ln in buyable):
        pairs = [(ln, it) for ln, it in zip(buyable, items, strict=True)
                 if ln["orderGroup"] == group]
        created.append(orders.place(sb, tenant_id, pairs))
    if sb.config.checkout_orders_reversed:
        created.reverse()
    cart["processing"] = False
    cart["wire"] |= {"status": "Ordered", "lastModifiedTimestamp": wire.iso(sb.now())}
    errors = [{"orderGroupId": g, "code": int(e["errorCode"]),
               "description": e["errorDescription"]} for g, e in failed.items()]
    return 201, {"orders": created, "orderErrors": errors}  # CartCheckoutResult
