"""GET {c}/entitlements (App+User) and the sandbox-only view of software keys.

Entitlements follow get-a-collection-of-entitlements: one per fulfilled order line of
software (perpetual or subscription) or of an Azure reservation, filtered by
`entitlementType` (any case, as Partner Center reads it), with `expiryDate` only when
`showExpiry` is true and only for software subscriptions (on-premises entitlements have
none). Software items carry no entitledArtifacts and may include others
(includedEntitlements, same referenceOrder), as the documented samples show. A cancelled
line (quantity 0 or its subscription deleted) entitles to nothing any more.

Product keys and download links have no documented API: Partner Center shows them in its
UI only. `add_admin_controls` adds GET /_sandbox/customers/<id>/software-keys, a
sandbox-only extension playing that UI, so the demo and tests can copy a key from it the
way a provider's admin copies one from Partner Center.
"""

from __future__ import annotations

import random
from typing import Any

from flask import Blueprint, jsonify

from connectors.partner_center.sandbox.customers import Answer, collection, customer
from connectors.partner_center.sandbox.errors import SandboxError
from connectors.partner_center.sandbox.state import Sandbox

TYPE_OF_KIND = {"perpetual": "software", "software": "software",
                "reservation": "reservedinstance"}
# Sandbox data modelled on the documented software sample (DG7GMGF0DWM3 includes
# DG7GMGF0DWM2 and DG7GMGF0DWMK): Windows Server's 16-core pack includes its client
# access licences. Other software entitles to itself only.
INCLUDED = {"DG7GMGF0DWMS": (("DG7GMGF0DWM2", "0001"),)}
EXTENSION = ("Sandbox-only extension: Partner Center documents no API for product keys or "
             "download links; a partner's admin agent reads them in Partner Center.")
DOWNLOAD_HOST = "https://download.sandbox.example"


def _reference(order: dict[str, Any], number: int) -> dict[str, str]:
    return {"id": order["id"], "lineItemId": str(number), "alternateId": order["alternateId"]}


def _item(ref: dict[str, str], product: str, sku: str, quantity: int, kind: str
          ) -> dict[str, Any]:
    return {"includedEntitlements": [], "referenceOrder": ref, "productId": product,
            "quantity": quantity, "entitledArtifacts": [], "skuId": sku,
            "entitlementType": kind}


def _artifacts(tenant_id: str, subscription: dict[str, Any]) -> list[dict[str, Any]]:
    """A reservation's artifact link (entitlement-resources: ReservedInstanceArtifact)."""
    sid = subscription["wire"]["id"]
    uri = (f"/customers/{tenant_id}/artifacts/reservedinstance/groups/{sid[:8]}/lineitems/"
           f"{sid}/resource/{sid}")
    return [{"link": {"uri": uri, "method": "GET", "headers": []}, "resourceId": sid,
             "artifactType": "reservedinstance",
             "dynamicAttributes": {"reservationType": "virtualmachines"}}]


def _entitlement(tenant_id: str, order: dict[str, Any], number: int,
                 subscription: dict[str, Any], show_expiry: bool) -> dict[str, Any]:
    """One order line's entitlement, with what it includes."""
    ref, kind = _reference(order, number), TYPE_OF_KIND[subscription["kind"]]
    quantity = int(order["lineItems"][number]["quantity"])
    item = _item(ref, subscription["productId"], subscription["skuId"], quantity, kind)
    item["includedEntitlements"] = [_item(ref, p, s, quantity, kind)
                                    for p, s in INCLUDED.get(subscription["productId"], ())]
    if kind == "reservedinstance":
        item["entitledArtifacts"] = _artifacts(tenant_id, subscription)
    if show_expiry and subscription["kind"] == "software":
        item["expiryDate"] = subscription["wire"]["commitmentEndDate"]
    return item


def entitlements_of(sb: Sandbox, tenant_id: str, show_expiry: bool = False
                    ) -> list[dict[str, Any]]:
    """Every entitlement of the tenant: fulfilled, not cancelled lines of entitling kinds."""
    found = []
    for record in sb.data["orders"].values():
        order = record["wire"]
        if record["customerId"] != tenant_id or order["status"] != "completed":
            continue
        for number, sub_id in enumerate(record["subscriptionIds"]):
            subscription = sb.data["subscriptions"][sub_id]
            if (subscription["kind"] in TYPE_OF_KIND and subscription["wire"]["status"]
                    != "deleted" and order["lineItems"][number]["quantity"]):
                found.append(_entitlement(tenant_id, order, number, subscription, show_expiry))
    return found


def list_all(sb: Sandbox, tenant_id: str, entitlement_type: str | None,
             show_expiry: str | None) -> Answer:
    """GET {c}/entitlements[?entitlementType=][&showExpiry=true]."""
    customer(sb, tenant_id)
    items = entitlements_of(sb, tenant_id, (show_expiry or "").lower() == "true")
    if entitlement_type:
        items = [i for i in items if i["entitlementType"] == entitlement_type.lower()]
    return 200, collection(items, links=False)


def _key(seed: str) -> str:
    """A product key in Microsoft's 5×5 form, the same for the same entitlement."""
    rng = random.Random(seed)  # noqa: S311 - a sandbox fixture, not a secret
    alphabet = "BCDFGHJKMPQRTVWXY2346789"
    return "-".join("".join(rng.choice(alphabet) for _ in range(5)) for _ in range(5))


def software_keys(sb: Sandbox, tenant_id: str) -> list[dict[str, Any]]:
    """What Partner Center's UI would show an admin agent for each software entitlement."""
    shown = []
    for item in entitlements_of(sb, tenant_id):
        if item["entitlementType"] != "software":
            continue
        ref = item["referenceOrder"]
        name = f"{ref['id']}-{ref['lineItemId']}-{item['productId']}-{item['skuId']}"
        shown.append({
            "referenceOrder": ref, "productId": item["productId"], "skuId": item["skuId"],
            "productKey": _key(name),
            "downloads": [{"uri": f"{DOWNLOAD_HOST}/{name}/{language}.iso",
                           "version": "2022", "language": language, "fileType": "ISO",
                           "os": "64-bit"} for language in ("en-US", "de-DE")]})
    return shown


def add_admin_controls(bp: Blueprint, sb: Sandbox) -> None:
    """GET /_sandbox/customers/<tenant>/software-keys (sandbox-only extension)."""

    @bp.get("/customers/<tenant_id>/software-keys")
    def software_keys_view(tenant_id: str) -> Any:
        with sb.lock:
            try:
                customer(sb, tenant_id)
            except SandboxError as error:
                return jsonify(error.body()), error.status
            return jsonify(extension=EXTENSION, items=software_keys(sb, tenant_id))

