"""Term ends in new commerce: scheduled next-term instructions, renewal, expiry.

create-scheduled-changes: a full Subscription PATCHed with scheduledNextTermInstructions
(product{productId, skuId, availabilityId, billingCycle, termDuration}, quantity) and
autoRenewEnabled true schedules changes that "only take place on renewal"; "renewals are
processed after the final day of a term, starting at 12:00 AM UTC the following day". Any
mid-term change (seats, autorenew off, suspension) removes the schedule (the page's
"Important" note; subscription-lifecycle: suspending removes scheduled changes).

subscription-lifecycle (new commerce): a term ending with autorenew off leaves the
subscription `expired`; one still suspended at its term's end becomes `disabled`. The
sandbox has no queue: every read or write of a subscription first rolls it over each term
end its clock has passed, so a test advancing the clock sees what Microsoft would show.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from connectors.partner_center import wire
from connectors.partner_center.sandbox import billing
from connectors.partner_center.sandbox.errors import SandboxError, bad_request
from connectors.partner_center.sandbox.state import Sandbox
from connectors.partner_center.sandbox.terms import last_day, term_over

TERMS = ("P1M", "P1Y", "P3Y")
CYCLES = ("monthly", "annual", "triennial")
RENEWING = ("nce", "software")
# error-codes.md: 800093 "The subscription isn't eligible to be auto-renewed", 800091
# "Can't update a subscription with suspended status" [inferred for schedules].
NOT_RENEWABLE, SUSPENDED = 800093, 800091


def instructions(sb: Sandbox, record: dict[str, Any], body: dict[str, Any], status: str,
                 autorenew: bool) -> dict[str, Any] | None:
    """The scheduledNextTermInstructions of a PATCH body, checked; None when absent or
    null (a body without them withdraws a schedule, as a full-resource PATCH does)."""
    found = wire.get(body, "scheduledNextTermInstructions")
    if not found:
        return None
    if record["kind"] not in RENEWING or not autorenew or status != "active":
        raise bad_request(NOT_RENEWABLE, "The subscription isn't eligible to be auto-renewed: "
                                         "scheduled changes need autoRenewEnabled true.")
    _check(sb, found)
    return found


def refuse_while_suspended(record: dict[str, Any], body: dict[str, Any], status: str) -> None:
    """A suspended subscription staying suspended takes no schedule (800091)."""
    if (record["wire"]["status"] == status == "suspended"
            and wire.get(body, "scheduledNextTermInstructions")):
        raise bad_request(SUSPENDED, "Can't update a subscription with suspended status.")


def _check(sb: Sandbox, found: dict[str, Any]) -> None:
    """The product must exist; term, billing cycle and quantity must be ones it sells."""
    product = wire.obj(found, "product")
    item = sb.catalog.sku(wire.text(product, "productId"), wire.text(product, "skuId"))
    term, cycle = wire.text(product, "termDuration"), wire.text(product, "billingCycle")
    if term not in TERMS or cycle.lower() not in CYCLES:
        raise bad_request(2000, f"Term {term!r} with billing cycle {cycle!r} is not valid.")
    quantity = int(wire.get(found, "quantity", 0) or 0)
    if not item["minimumQuantity"] <= quantity <= item["maximumQuantity"]:
        raise bad_request(2002, f"Quantity must be between {item['minimumQuantity']} and "
                                f"{item['maximumQuantity']}.")


def refuse_ended(record: dict[str, Any]) -> None:
    """Expired and disabled subscriptions cannot be changed (error-codes 900277)."""
    if record["wire"]["status"] in ("expired", "disabled"):
        raise SandboxError(400, 900277, "Your subscription is in the process of being "
                                        "expired. No further updates are allowed on this "
                                        "subscription.")


def roll(sb: Sandbox, record: dict[str, Any]) -> None:
    """Apply every term end the sandbox clock has passed: a term is over at 00:00 UTC the
    day after its commitmentEndDate, its last day (orders.term_over)."""
    sub = record["wire"]
    while record["kind"] in RENEWING and sub["status"] in ("active", "suspended"):
        end = term_over(sub)
        if end is None or not sub.get("termDuration") or sb.now() < end:
            return
        if sub["status"] == "suspended":
            sub["status"] = "disabled"
        elif not sub.get("autoRenewEnabled"):
            sub["status"] = "expired"
        else:
            _renew(sb, record, end)
        sub["attributes"] = {"etag": str(uuid.uuid4()), "objectType": "Subscription"}
        sb.changed()


def _renew(sb: Sandbox, record: dict[str, Any], end: datetime) -> None:
    """A new term from `end` (00:00 UTC after the old term's last day), with the scheduled
    instructions applied; every seat's 7-day window restarts (the renewal is the new
    term's first tranche)."""
    sub = record["wire"]
    scheduled = sub.pop("scheduledNextTermInstructions", None) or {}
    product = wire.obj(scheduled, "product")
    quantity = int(wire.get(scheduled, "quantity", sub["quantity"]) or sub["quantity"])
    if product:
        _change_product(sb, record, product)
    if quantity != sub["quantity"]:
        billing.record_quantity(sb, record, sub["quantity"], quantity)
        record["billingEvents"][-1]["at"] = wire.iso(end)  # billed from the renewal day
    sub["quantity"] = quantity
    sub["commitmentEndDate"] = wire.iso(last_day(end, sub["termDuration"]))
    record["termStart"] = wire.iso(end)
    record["tranches"] = [{"quantity": quantity, "since": None}]


def _change_product(sb: Sandbox, record: dict[str, Any], product: dict[str, Any]) -> None:
    """The next term's SKU, term and billing cycle."""
    sub = record["wire"]
    product_id, sku_id = wire.text(product, "productId"), wire.text(product, "skuId")
    availability = wire.text(product, "availabilityId")
    record["productId"], record["skuId"] = product_id, sku_id
    sub["offerId"] = f"{product_id}:{sku_id}:{availability}"
    sub["offerName"] = sb.catalog.sku(product_id, sku_id)["title"]
    sub["termDuration"] = wire.text(product, "termDuration")
    sub["billingCycle"] = wire.text(product, "billingCycle").lower()
