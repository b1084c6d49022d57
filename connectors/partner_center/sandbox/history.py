"""Purchases Microsoft knew of before this sandbox did: the demo's (`flask demo load` runs
before `make run` starts the sandbox), written into its state so that Microsoft's invoices
and billed reconciliation data (billing.py) cover them, plus the demo's one deliberate
mismatch (`plant_discrepancy`).

Each purchase keeps the storefront's subscription id, its order id, its start and its seat
changes, so the sandbox bills exactly what the storefront charged and finds the order the
storefront cancels perpetual software through (S6); nothing here is reachable over HTTP.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from connectors.partner_center import wire
from connectors.partner_center.sandbox import bulk, invoices
from connectors.partner_center.sandbox.state import Sandbox


@dataclass(frozen=True)
class Purchase:
    """A subscription as the storefront knows it, to be known by Microsoft too."""

    subscription_id: str
    tenant_id: str
    domain: str
    company: str
    country: str
    city: str
    postal_code: str
    reseller_tenant: str | None
    partner_mpn: str
    catalog_item_id: str  # product:sku:availability
    term: str
    cycle: str
    quantity: int  # at purchase
    start: datetime
    changes: tuple[tuple[datetime, int, int], ...] = ()  # (when, seats before, after)
    cancelled: datetime | None = None
    order_id: str = ""  # the storefront's Partner Center order id; "" keeps the sandbox's


def add_purchases(sb: Sandbox, purchases: Iterable[Purchase]) -> int:
    """Add the purchases the sandbox does not hold yet; returns how many were added."""
    added = 0
    with sb.lock:
        for purchase in purchases:
            if purchase.subscription_id in sb.data["subscriptions"]:
                continue
            if purchase.tenant_id not in sb.data["customers"]:
                bulk.add_customer(sb, purchase.tenant_id, purchase.domain, purchase.company,
                                  reseller_tenant=purchase.reseller_tenant, city=purchase.city,
                                  country=purchase.country, postal_code=purchase.postal_code)
            _subscribe(sb, purchase)
            added += 1
        if added:
            sb.changed()
    return added


def _subscribe(sb: Sandbox, purchase: Purchase) -> None:
    """Buy it through an order dated back, then give it the storefront's id and history."""
    plan = bulk.Plan(_current(sb, purchase.catalog_item_id), purchase.term, purchase.cycle,
                     10_000)
    record = bulk.add_subscription(sb, purchase.tenant_id, plan, purchase.quantity,
                                   purchase.partner_mpn, purchase.start)
    made = record["wire"]["id"]
    sb.data["subscriptions"][purchase.subscription_id] = sb.data["subscriptions"].pop(made)
    record["wire"]["id"] = purchase.subscription_id
    order = sb.data["orders"][record["wire"]["orderId"]]
    order["subscriptionIds"] = [purchase.subscription_id]
    order["wire"]["lineItems"][0]["subscriptionId"] = purchase.subscription_id
    _rename_order(sb, record, purchase.order_id)
    events = [{"at": wire.iso(at), "kind": "quantity", "from": before, "to": after,
               "ref": f"{purchase.subscription_id}:{n}"}
              for n, (at, before, after) in enumerate(purchase.changes)]
    seats = purchase.changes[-1][2] if purchase.changes else purchase.quantity
    record["wire"]["quantity"] = seats
    if purchase.cancelled is not None:
        events.append({"at": wire.iso(purchase.cancelled), "kind": "cancel",
                       "quantity": seats, "ref": f"{purchase.subscription_id}:cancel"})
        record["wire"] |= {"status": "deleted", "autoRenewEnabled": False}
    record["billingEvents"] = events


def _rename_order(sb: Sandbox, record: dict, order_id: str) -> None:
    """Give the purchase's order the id the storefront recorded: perpetual software is
    cancelled through its order (cancel-software-purchases), and the placement's own id
    made that cancel a 404 (20000, "The order was not found"). An id the sandbox already
    holds is another order's, so the placement's id stays then."""
    made = record["wire"]["orderId"]
    if not order_id or order_id == made or order_id in sb.data["orders"]:
        return
    order = sb.data["orders"].pop(made)
    # Its links name the old id: dropped, the order's reads fill them in (orders.shown).
    order["wire"] = {k: v for k, v in order["wire"].items() if k != "links"} | {
        "id": order_id, "alternateId": order_id.replace("-", "")[:12]}
    sb.data["orders"][order_id] = order
    record["wire"]["orderId"] = order_id


def _current(sb: Sandbox, catalog_item_id: str) -> str:
    """The item's id with today's availability (it rotates; the product and SKU stay)."""
    product, sku, _ = (catalog_item_id.split(":") + ["", "", ""])[:3]
    for item in sb.catalog.availabilities(product, sku, "US", None,
                                          sb.data["availabilityIds"]):
        return item["catalogItemId"]
    return catalog_item_id


def plant_discrepancy(sb: Sandbox, subscription_ids: Iterable[str]) -> bool:
    """The demo's deliberate mismatch, once: Microsoft bills one more seat on a charge of one
    of these subscriptions, in the latest month it billed them. False when none of them is
    billed, or a mismatch is planted already."""
    wanted = set(subscription_ids)
    with sb.lock:
        if sb.data.get("billingDiscrepancies"):
            return False
        billed = {month: [line for line in found if line["subscriptionId"] in wanted]
                  for month, found in invoices.billed(sb).items()}
        months = sorted(month for month, found in billed.items() if found)
        if not months:
            return False
        # The latest month Microsoft has invoiced, so the reconciliation can find it today;
        # the latest billed one when none is invoiced yet.
        issued = [m for m in months if invoices.issued_on(sb, m) <= sb.now().date()]
        months = issued or months
        found = billed[months[-1]]
        first = next((line for line in found
                      if line["chargeType"] in ("new", "renew", "cycleCharge")), found[0])
        return invoices.add_discrepancy(sb, {
            "kind": "quantity", "month": months[-1], "subscriptionId": first["subscriptionId"],
            "chargeType": first["chargeType"], "quantity": int(first["quantity"]) + 1}) \
            is not None
