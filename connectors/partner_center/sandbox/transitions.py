"""Transitions (upgrades) of new-commerce subscriptions, as transition-a-new-commerce-
subscription documents them: GET .../transitionEligibilities lists the plans a subscription
can move to and the existing subscriptions that could take its seats; POST .../transitions
moves seats (200 with the Transition, its first event "Conversion: Started"); GET
.../transitions answers the source's history (get-transitions), each conversion completed
when it was made, as the sandbox moves the seats at once.

Which plan upgrades to which is Microsoft's catalog knowledge; the sandbox's is UPGRADES
(sandbox data). A partial upgrade creates a subscription coterminous with its source
(partner-center-api-2.md §4); a source left without seats is cancelled [inferred].
"""

from __future__ import annotations

import copy
import uuid
from datetime import timedelta
from typing import Any

from connectors.partner_center import wire
from connectors.partner_center.sandbox import billing
from connectors.partner_center.sandbox.customers import Answer, collection, country_of
from connectors.partner_center.sandbox.errors import bad_request
from connectors.partner_center.sandbox.state import Sandbox
from connectors.partner_center.sandbox.subscriptions import find

# Sandbox data: Business Standard and Office 365 E1 move up to Microsoft 365 E3.
UPGRADES = {"CFQ7TTC0LDPB": ("CFQ7TTC0LFLZ",), "CFQ7TTC0LF8Q": ("CFQ7TTC0LFLZ",)}
TYPES = ("transition_only", "transition_with_license_transfer")
TERM_MONTHS = {"P1M": 1, "P1Y": 12, "P3Y": 36}
NOT_ACTIVE = "Subscription can't be Transitioned - source subscription isn't active."


def _catalog_item(sb: Sandbox, product_id: str, country: str) -> dict[str, Any]:
    """The target product's first SKU's current availability."""
    sku = sb.catalog.product(product_id)["skus"][0]
    return sb.catalog.availabilities(product_id, sku["id"], country, None,
                                     sb.data["availabilityIds"])[0] | {"title": sku["title"]}


def _target_errors(source: dict[str, Any], target: dict[str, Any], sb: Sandbox) -> list[int]:
    """Why an existing subscription cannot take the seats (codes 1-4 of the page)."""
    src, dst = source["wire"], target["wire"]
    errors = []
    if dst["status"] != "active":
        errors.append(1)
    if wire.timestamp(target, "termStart") + timedelta(hours=target["cancelWindowHours"] or 0) \
            > sb.now():
        errors.append(2)
    if TERM_MONTHS.get(dst["termDuration"], 0) < TERM_MONTHS.get(src["termDuration"], 0):
        errors.append(3)
    if wire.timestamp(dst, "commitmentEndDate") < wire.timestamp(src, "commitmentEndDate"):
        errors.append(4)
    return errors


def _targets(sb: Sandbox, source: dict[str, Any], product_id: str) -> list[dict[str, Any]]:
    """subscriptionEligibilities: the customer's subscriptions of the target product."""
    found = []
    for record in sb.data["subscriptions"].values():
        if record["customerId"] != source["customerId"] or record["productId"] != product_id:
            continue
        errors = _target_errors(source, record, sb)
        dst = record["wire"]
        found.append({"isEligible": not errors, "subscriptionId": dst["id"],
                      "subscriptionFriendlyName": dst["friendlyName"],
                      "subscriptionTermDuration": dst["termDuration"],
                      "subscriptionBillingCycle": dst["billingCycle"],
                      "errors": [{"code": c, "description": _DESCRIPTIONS[c]} for c in errors]})
    return found


_DESCRIPTIONS = {1: "Subscription is not active.",
                 2: "Subscription is within cancellation window.",
                 3: "Subscription term duration is shorter than the source subscription's "
                    "term duration.",
                 4: "Subscription term end date is before the source subscription's term end "
                    "date."}


def eligibilities(sb: Sandbox, tenant_id: str, subscription_id: str,
                  eligibility_type: str | None) -> Answer:
    """GET .../transitionEligibilities[?eligibilityType=immediate|scheduled]."""
    source = find(sb, tenant_id, subscription_id)
    kind = (eligibility_type or "immediate").lower()
    if kind not in ("immediate", "scheduled"):
        raise bad_request(2000, f"eligibilityType {eligibility_type!r} is not valid.")
    active = source["wire"]["status"] == "active"
    country = country_of(sb, tenant_id)
    items = []
    for product_id in UPGRADES.get(source["productId"], ()):
        item = _catalog_item(sb, product_id, country)
        items.append({
            "operationId": str(uuid.uuid4()), "catalogItemId": item["catalogItemId"],
            "title": item["title"], "description": item["title"],
            "quantity": source["wire"]["quantity"],
            # Scheduled transitions cannot go into an existing subscription (the page).
            "subscriptionEligibilities": _targets(sb, source, product_id)
            if kind == "immediate" else [],
            "eligibilities": [{"isEligible": active, "transitionType": t,
                               "errors": [] if active else [{"code": 1,
                                                             "description": NOT_ACTIVE}]}
                              for t in TYPES],
            "attributes": {"objectType": "TransitionEligibility"}})
    return 200, collection(items, links=False)


def _check(sb: Sandbox, source: dict[str, Any], body: dict[str, Any]) -> tuple[str, int, str]:
    """(target catalog item, seats, type) of a valid request, else 400."""
    to_item, kind = wire.text(body, "toCatalogItemId"), wire.text(body, "transitionType")
    quantity = int(wire.get(body, "quantity", 0) or 0)
    if source["wire"]["status"] != "active":
        raise bad_request(2000, NOT_ACTIVE)
    if kind not in TYPES:
        raise bad_request(2000, f"transitionType must be one of {', '.join(TYPES)}.")
    resolved = sb.catalog.resolve(to_item, sb.data["availabilityIds"])
    if resolved.product["id"] not in UPGRADES.get(source["productId"], ()):
        raise bad_request(2000, f"{to_item} is not an eligible transition.")
    if not 1 <= quantity <= source["wire"]["quantity"]:
        raise bad_request(2002, f"quantity must be between 1 and {source['wire']['quantity']}.")
    return to_item, quantity, kind


def _new_target(sb: Sandbox, source: dict[str, Any], to_item: str,
                quantity: int) -> dict[str, Any]:
    """A subscription of the target plan, coterminous with the source."""
    resolved = sb.catalog.resolve(to_item, sb.data["availabilityIds"])
    record = copy.deepcopy(source)
    new_id, now = str(uuid.uuid4()), wire.iso(sb.now())
    record.update(productId=resolved.product["id"], skuId=resolved.sku["id"], termStart=now,
                  tranches=[{"quantity": quantity, "since": None}], billingEvents=[],
                  # billed on the source's cycles from now on (sandbox.billing)
                  billingAnchor=source.get("billingAnchor") or source["wire"]["creationDate"],
                  convertedOn=now)
    record.pop("pending", None)
    record["wire"].update(
        id=new_id, offerId=to_item, offerName=resolved.sku["title"],
        friendlyName=resolved.product["title"], quantity=quantity, creationDate=now,
        effectiveStartDate=now, scheduledNextTermInstructions=None,
        attributes={"etag": str(uuid.uuid4()), "objectType": "Subscription"})
    sb.data["subscriptions"][new_id] = record
    return record


def _into(sb: Sandbox, source: dict[str, Any], body: dict[str, Any],
          to_item: str, quantity: int) -> dict[str, Any]:
    """The subscription receiving the seats: an eligible existing one, or a new one."""
    target_id = wire.text(body, "toSubscriptionId")
    if not target_id:
        return _new_target(sb, source, to_item, quantity)
    target = find(sb, source["customerId"], target_id)
    if _target_errors(source, target, sb):
        raise bad_request(2000, f"Subscription {target_id} cannot receive this transition.")
    billing.record_conversion(sb, target, target["wire"]["quantity"],
                              target["wire"]["quantity"] + quantity)
    target["wire"]["quantity"] += quantity
    target.setdefault("tranches", []).append({"quantity": quantity, "since": wire.iso(sb.now())})
    return target


def create(sb: Sandbox, tenant_id: str, subscription_id: str, body: dict[str, Any]) -> Answer:
    """POST .../transitions: move the seats; 200 with the Transition and its first event."""
    source = find(sb, tenant_id, subscription_id)
    to_item, quantity, kind = _check(sb, source, body)
    target = _into(sb, source, body, to_item, quantity)
    src = source["wire"]
    from_item = src["offerId"]
    billing.record_conversion(sb, source, src["quantity"], src["quantity"] - quantity)
    if not wire.text(body, "toSubscriptionId"):
        billing.record_conversion(sb, target, 0, quantity)
    src["quantity"] -= quantity
    source["tranches"] = [{"quantity": src["quantity"], "since": None}]
    if src["quantity"] == 0:
        src.update(status="deleted", autoRenewEnabled=False)
    src["attributes"] = {"etag": str(uuid.uuid4()), "objectType": "Subscription"}
    answer = {"fromCatalogItemId": from_item, "fromSubscriptionId": src["id"],
              "toCatalogItemId": to_item, "toSubscriptionId": target["wire"]["id"],
              "quantity": quantity, "termDuration": src["termDuration"],
              "billingCycle": src["billingCycle"], "transitionType": kind,
              "events": [_event("Started", sb)], "attributes": {"objectType": "Transition"}}
    # The seats moved above, at once: the history shows the conversion completed now.
    source.setdefault("transitions", []).append(
        {"operationId": str(uuid.uuid4()), **answer,
         "events": [_event("Started", sb), _event("Completed", sb)]})
    sb.changed()
    return 200, answer


def _event(status: str, sb: Sandbox) -> dict[str, Any]:
    return {"name": "Conversion", "status": status, "timestamp": wire.iso(sb.now()),
            "attributes": {"objectType": "TransitionEvent"}}


def history(sb: Sandbox, tenant_id: str, subscription_id: str) -> Answer:
    """GET .../transitions: the transitions made from this subscription, oldest first, in
    the page's collection ("transition", not "items")."""
    source = find(sb, tenant_id, subscription_id)
    return 200, {"transition": copy.deepcopy(source.get("transitions", [])),
                 "attributes": {"objectType": "Collection"}}
