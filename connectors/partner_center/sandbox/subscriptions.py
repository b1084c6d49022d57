"""Subscriptions: read, and PATCH of the full resource with the 168-hour windows.

A subscription answers the fields get-a-subscription-by-id documents for new commerce:
links to its product, SKU and availability, refundOptions, refundableQuantity and the rest.

Seats are refundable per addition (change-the-quantity-of-a-subscription: "licenses added at
midterm can also only be reduced within 7 days"). The purchase (or renewal) and each
mid-term increase are tranches, each refundable for record["cancelWindowHours"] (168 h) from
when it was added; refundableQuantity.details lists those still open. A decrease may take
only seats still refundable now, newest tranche first; otherwise 400/900214.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from typing import Any

from connectors.partner_center import wire
from connectors.partner_center.sandbox import billing, order_cancels, orders, renewals
from connectors.partner_center.sandbox.customers import (
    Answer,
    collection,
    country_of,
    customer,
    link,
)
from connectors.partner_center.sandbox.errors import SandboxError, bad_request, forbidden
from connectors.partner_center.sandbox.state import Sandbox
from connectors.partner_center.sandbox.terms import term_over

# error-codes.md: "You have passed your {0}-hour window for reducing seats". The quantity
# page's one sample shows 800090 for the same case; we answer 800090 where seats can never
# be removed (software subscriptions) and keep the hour-window code for new commerce.
SEAT_WINDOW_CLOSED = 900214


def _record(sb: Sandbox, tenant_id: str, subscription_id: str) -> dict[str, Any]:
    """The stored subscription of this customer or 404/20003."""
    customer(sb, tenant_id)
    found = sb.data["subscriptions"].get(subscription_id)
    if found is None or found["customerId"] != tenant_id:
        raise SandboxError(404, 20003, f"Subscription {subscription_id} was not found.")
    renewals.roll(sb, found)
    return found


def find(sb: Sandbox, tenant_id: str, subscription_id: str) -> dict[str, Any]:
    """A customer's stored subscription, rolled over any term end passed; else 404."""
    return _record(sb, tenant_id, subscription_id)


def _window_end(record: dict[str, Any]) -> datetime | None:
    """End of the purchase/renewal window for cancelling, or None."""
    hours = record["cancelWindowHours"]
    if hours is None:
        return None
    return wire.timestamp(record, "termStart") + timedelta(hours=hours)


def _tranches(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The seats by addition ("since" None: bought with the term, counted from its start);
    a record stored before tranches existed is one purchase."""
    stored = record.get("tranches")
    if stored is not None:
        return stored
    return [{"quantity": record["wire"]["quantity"], "since": None}]


def _tranche_end(record: dict[str, Any], tranche: dict[str, Any]) -> datetime | None:
    """Until when a tranche's seats can be removed; a renewal restarts every window."""
    hours = record["cancelWindowHours"]
    if hours is None or record["kind"] != "nce":
        return None
    term_start = wire.timestamp(record, "termStart")
    start = max(wire.timestamp(tranche, "since") or term_start, term_start)
    return start + timedelta(hours=hours)


def _open_tranches(sb: Sandbox, record: dict[str, Any],
                   tranches: list[dict[str, Any]]) -> list[tuple[dict[str, Any], datetime]]:
    """The tranches whose seats can still be removed now, oldest first, with their ends."""
    if record["wire"]["status"] == "deleted":
        return []
    ends = [(t, _tranche_end(record, t)) for t in tranches if t["quantity"] > 0]
    return [(t, end) for t, end in ends if end is not None and sb.now() <= end]


def _refundable(sb: Sandbox, record: dict[str, Any]) -> dict[str, Any]:
    """refundableQuantity: the seats removable now and until when, one entry per tranche."""
    details = [{"quantity": t["quantity"], "allowedUntilDateTime": wire.iso(end)}
               for t, end in _open_tranches(sb, record, _tranches(record))]
    return {"totalQuantity": sum(d["quantity"] for d in details), "details": details}


def _refund_options(record: dict[str, Any]) -> list[dict[str, Any]]:
    """refundOptions: each of the term's options with its absolute expiry (expiresAt)."""
    start = wire.timestamp(record, "termStart")
    return [{"type": o["type"], "expiresAt": wire.iso(start + timedelta(days=int(m[1])))}
            for o in record.get("refundPolicy", [])
            if (m := re.fullmatch(r"P(\d+)D", o["expiresAfter"]))]


def _static(sb: Sandbox, record: dict[str, Any]) -> dict[str, Any]:
    """Documented fields that do not change (filled in for subscriptions stored earlier)."""
    sub = record["wire"]
    end = term_over(sub)
    links = orders.catalog_links(sub["offerId"], country_of(sb, record["customerId"]))
    return {"hasPurchasableAddons": False, "renewalTermDuration": "",
            "isMicrosoftProduct": True, "publisherName": "Microsoft Corporation",
            "attentionNeeded": False, "actionTaken": False,
            # commitmentEndDateTime is the term's last second: 23:59:59 of its last day.
            "commitmentEndDateTime": wire.iso(end - timedelta(seconds=1)) if end else "",
            "links": links | {"self": link(
                f"/customers/{record['customerId']}/subscriptions/{sub['id']}")}}


def _view(sb: Sandbox, record: dict[str, Any]) -> dict[str, Any]:
    """Wire form with the documented defaults and the clock-dependent fields filled in."""
    sub, end = _static(sb, record) | record["wire"], _window_end(record)
    open_window = end is not None and sb.now() <= end and sub["status"] != "deleted"
    sub["actions"] = ["edit", "cancel"] if open_window else ["edit"]
    sub["refundOptions"] = _refund_options(record)
    sub["refundableQuantity"] = _refundable(sb, record)
    sub["scheduledNextTermInstructions"] = record["wire"].get("scheduledNextTermInstructions")
    if end is not None:
        sub["cancellationAllowedUntilDate"] = wire.iso(end)
    return sub


def list_all(sb: Sandbox, tenant_id: str, order_id: str | None) -> Answer:
    """GET {c}/subscriptions[?order_id=]; filtering by order counts as polling it."""
    customer(sb, tenant_id)
    if order_id and order_id in sb.data["orders"]:
        orders.poll(sb, sb.data["orders"][order_id])
    mine = [s for s in sb.data["subscriptions"].values() if s["customerId"] == tenant_id]
    for record in mine:
        renewals.roll(sb, record)
    return 200, collection([_view(sb, s) for s in mine
                            if not order_id or s["wire"]["orderId"] == order_id])


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
        record["tranches"] = pending.get("tranches", _tranches(record))
        del record["pending"]
        sb.changed()


def _check_state(record: dict[str, Any], if_match: str | None) -> None:
    """Refuse updates of deleted (2011) or unprovisioned (800082) subscriptions, stale ETag."""
    sub = record["wire"]
    if sub["status"] == "deleted":
        raise bad_request(2011, "The subscription has been deleted.")
    if sub["status"] == "pending":
        raise SandboxError(409, 800082, "The subscription is not ready yet.")
    renewals.refuse_ended(record)
    if if_match and if_match.strip('"') != sub["attributes"]["etag"]:
        raise bad_request(2055, "Etag is no longer valid.")  # error-codes: 400, not 412


def _cancel(sb: Sandbox, record: dict[str, Any]) -> None:
    """status deleted: only within the window; software bought once is cancelled by order."""
    if record["kind"] in order_cancels.CANCEL_BY_ORDER_DAYS:
        raise forbidden(800019, "Cancel this purchase with an order update.")
    end = _window_end(record)
    if end is None:
        raise bad_request(900213, "This subscription cannot be cancelled.")
    if sb.now() > end:
        raise bad_request(900213, f"You have passed your {record['cancelWindowHours']}-hour "
                                  "cancellation window. We are unable to cancel your purchase")


def _remove_seats(sb: Sandbox, record: dict[str, Any], seats: int) -> list[dict[str, Any]]:
    """Take `seats` from the tranches still refundable, newest first; 900214 when fewer
    remain refundable than asked."""
    tranches = [dict(t) for t in _tranches(record)]
    refundable = [t for t, _end in _open_tranches(sb, record, tranches)]
    removable = sum(t["quantity"] for t in refundable)
    if seats > removable:
        raise bad_request(SEAT_WINDOW_CLOSED, (
            f"You have passed your {record['cancelWindowHours'] or 0}-hour window for reducing "
            f"seats for this subscription. Seats removable now: {removable}."))
    for tranche in reversed(refundable):
        taken = min(seats, tranche["quantity"])
        tranche["quantity"], seats = tranche["quantity"] - taken, seats - taken
    return [t for t in tranches if t["quantity"] > 0]


def _seat_change(sb: Sandbox, record: dict[str, Any], quantity: int) -> list[dict[str, Any]]:
    """Check a seat change and answer the tranches after it: an increase (any time) is a
    new tranche; a decrease only within windows (new commerce) or never (800090)."""
    sub, item = record["wire"], sb.catalog.sku(record["productId"], record["skuId"])
    if sub["status"] == "suspended":
        raise bad_request(800091, "The subscription is suspended.")
    if not item["minimumQuantity"] <= quantity <= item["maximumQuantity"]:
        raise bad_request(2002, f"Quantity must be between {item['minimumQuantity']} and "
                                f"{item['maximumQuantity']}.")
    if quantity > sub["quantity"]:
        added = {"quantity": quantity - sub["quantity"], "since": wire.iso(sb.now())}
        return [dict(t) for t in _tranches(record)] + [added]
    if record["kind"] != "nce":
        raise bad_request(800090, "Subscription quantity cannot be decreased.")
    return _remove_seats(sb, record, sub["quantity"] - quantity)


def _scheduled(sb: Sandbox, record: dict[str, Any], body: dict[str, Any],
               tranches: list[dict[str, Any]] | None, status: str,
               autorenew: bool) -> dict[str, Any] | None:
    """The next term's instructions after this PATCH: a mid-term change (seats,
    suspension, cancellation, autorenew switched off) removes them (create-scheduled-changes,
    subscription-lifecycle); otherwise the body's, checked."""
    renewals.refuse_while_suspended(record, body, status)
    switched_off = record["wire"]["autoRenewEnabled"] and not autorenew
    if tranches is not None or status != "active" or switched_off:
        return None
    return renewals.instructions(sb, record, body, status, autorenew)


def _refuse_autorenew_while_suspended(record: dict[str, Any], body: dict[str, Any],
                                      status: str) -> None:
    """Autorenew cannot be switched on while the subscription stays suspended: suspending
    switched it off (subscription-lifecycle), and Partner Center answers an update of a
    suspended subscription with an error (error-codes: 400/800091 "Can't update a
    subscription with suspended status") instead of ignoring the field."""
    if (record["wire"]["status"] == status == "suspended"
            and bool(wire.get(body, "autoRenewEnabled", False))):
        raise bad_request(renewals.SUSPENDED, "Can't update a subscription with suspended "
                                              "status.")


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
    _refuse_autorenew_while_suspended(record, body, status)
    tranches = _seat_change(sb, record, quantity) if quantity != sub["quantity"] else None
    if tranches is not None:  # Microsoft bills the change from now to the cycle's end
        billing.record_quantity(sb, record, sub["quantity"], quantity)
    if status == "deleted":
        billing.record_cancel(sb, record)
    # New commerce: suspending switches autorenew off (subscription-lifecycle).
    autorenew = (record["kind"] in renewals.RENEWING and status == "active"
                 and bool(wire.get(body, "autoRenewEnabled", False)))
    changes = {"status": status, "quantity": quantity, "autoRenewEnabled": autorenew,
               "scheduledNextTermInstructions": _scheduled(sb, record, body, tranches, status,
                                                           autorenew),
               "friendlyName": wire.text(body, "friendlyName", sub["friendlyName"]),
               "attributes": {"etag": str(uuid.uuid4()), "objectType": "Subscription"}}
    reads = sb.config.subscription_patch_reads
    if reads > 0 and tranches is not None:
        record["pending"] = {"changes": changes, "tranches": tranches, "reads": reads}
        # update-a-subscription-by-id: 202 and a Location (relative, without /v1).
        return 202, None, {"Location": f"/customers/{tenant_id}/subscriptions/{subscription_id}"}
    sub |= changes
    if tranches is not None:
        record["tranches"] = tranches
    return 200, _view(sb, record)
