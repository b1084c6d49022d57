"""What a customer is entitled to: GET /v1/customers/{id}/entitlements (App+User only).

Get a collection of entitlements, https://learn.microsoft.com/partner-center/developer/
get-a-collection-of-entitlements, and the resources on entitlement-resources: each item
names the order line that bought it (referenceOrder: id, lineItemId, alternateId), the
product and SKU, the quantity still held, the components a purchase includes
(includedEntitlements, same shape) and, for reservations, artifacts linking to their
details. `entitlementType` narrows the list (software, reservedInstance); `showExpiry`
asks for expiryDate, which on-premises (perpetual) software never has.

Microsoft documents no API that returns product keys or download links: partners read them
in Partner Center's UI, so the storefront records them by hand (subscriptions.entitlements).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from connectors.partner_center import paging, wire
from connectors.partner_center.transport import Call, Transport

TYPES = ("software", "reservedInstance", "virtualMachineReservedInstance")


@dataclass(frozen=True)
class ReferenceOrder:
    """The order line a purchase came from."""

    id: str
    line_item_id: str
    alternate_id: str


@dataclass(frozen=True)
class Artifact:
    """A link to the details of what was bought (reservations); software has none."""

    artifact_type: str
    resource_id: str
    link_uri: str
    reservation_type: str  # dynamicAttributes.reservationType: virtualmachines | sqldatabases


@dataclass(frozen=True)
class Entitlement:
    """One product a customer may use because of a purchase."""

    product_id: str
    sku_id: str
    quantity: int
    entitlement_type: str  # software | reservedinstance | virtualmachinereservedinstance
    reference_order: ReferenceOrder
    included: tuple[Entitlement, ...]
    artifacts: tuple[Artifact, ...]
    expiry_date: datetime | None

    @classmethod
    def from_wire(cls, data: Any) -> Entitlement:
        """Read an Entitlement resource, its included entitlements too."""
        ref = wire.obj(data, "referenceOrder")
        return cls(
            product_id=wire.text(data, "productId"), sku_id=wire.text(data, "skuId"),
            quantity=int(wire.get(data, "quantity") or 0),
            entitlement_type=wire.text(data, "entitlementType").lower(),
            reference_order=ReferenceOrder(wire.text(ref, "id"), wire.text(ref, "lineItemId"),
                                           wire.text(ref, "alternateId")),
            included=tuple(cls.from_wire(i) for i in wire.items(data, "includedEntitlements")),
            artifacts=tuple(_artifact(a, wire.obj(data, "dynamicAttributes"))
                            for a in wire.items(data, "entitledArtifacts")),
            expiry_date=wire.timestamp(data, "expiryDate"))

    def flattened(self) -> tuple[tuple[Entitlement, Entitlement | None], ...]:
        """(entitlement, the one including it) for this one and everything it includes."""
        found: list[tuple[Entitlement, Entitlement | None]] = [(self, None)]
        for inner in self.included:
            found += [(e, parent or self) for e, parent in inner.flattened()]
        return tuple(found)


def _artifact(data: Any, outer: dict[str, Any]) -> Artifact:
    """Read an Artifact (ReservedInstanceArtifact carries link and resourceId). The
    resource page puts dynamicAttributes on the artifact, the sample on the entitlement
    (`outer`): either is read."""
    attributes = wire.obj(data, "dynamicAttributes") or outer
    return Artifact(
        artifact_type=wire.text(data, "artifactType").lower(),
        resource_id=wire.text(data, "resourceId"),
        link_uri=wire.text(wire.obj(data, "link"), "uri"),
        reservation_type=wire.text(attributes, "reservationType"))


class EntitlementsApi:
    """Mixin of PartnerCenterClient: a customer's entitlements."""

    _transport: Transport

    def list_entitlements(self, customer_id: str, *, entitlement_type: str | None = None,
                          show_expiry: bool = False,
                          correlation_id: str | None = None) -> tuple[Entitlement, ...]:
        """Every entitlement of the customer, optionally of one type, with expiry dates when
        asked; App+User only (an app-only token gets 403/900329)."""
        if entitlement_type is not None and entitlement_type not in TYPES:
            raise ValueError(f"entitlement_type must be one of {TYPES}, not {entitlement_type!r}")
        params: dict[str, str] = {}
        if entitlement_type:
            params["entitlementType"] = entitlement_type
        if show_expiry:
            params["showExpiry"] = "true"
        call = Call("GET", f"/v1/customers/{quote(customer_id, safe='')}/entitlements",
                    as_user=True, params=params or None, correlation_id=correlation_id)
        return tuple(Entitlement.from_wire(i) for i in paging.items(self._transport, call))
