"""The sandbox catalog (data/catalog.json): products → SKUs → availabilities.

catalog.json is also the storefront's demo catalog; its `storefront` and `targetViews`
fields are ours and never leave the sandbox's API. Products, SKUs and availabilities answer
with the fields and links get-a-list-of-products/-skus/-availabilities show.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from connectors.partner_center.sandbox.errors import SandboxError, not_found

CATALOG_PATH = Path(__file__).with_name("data") / "catalog.json"
# In a SKU's withdrawal list (Sandbox.withdraw_availability), a country relisted while it
# stays withdrawn everywhere else: "+GB" beside "*".
RELISTED = "+"
_PRIVATE = ("storefront", "targetViews", "skus", "availabilities", "limit", "limitUnitOfMeasure")

# Partner Center's catalog API carries no prices, but cart and order lines do (`pricing`).
# Microsoft's list price (ERP) in USD per licence and billing period, keyed "term/cycle";
# the demo price list (demo/catalog.py) takes these same figures.
LIST_PRICES_USD: dict[str, dict[str, str]] = {
    "CFQ7TTC0LDPB": {"P1M/monthly": "15.00", "P1Y/monthly": "12.50", "P1Y/annual": "150.00"},
    "CFQ7TTC0LFLZ": {"P1M/monthly": "43.20", "P1Y/monthly": "36.00", "P1Y/annual": "432.00"},
    "CFQ7TTC0LGNM": {"P1M/monthly": "126.00", "P1Y/monthly": "105.00",
                     "P1Y/annual": "1260.00"},
    "CFQ7TTC0LF8Q": {"P1M/monthly": "12.00", "P1Y/annual": "120.00"},
    "CFQ7TTC0LCHN": {"P1M/monthly": "6.60", "P1Y/annual": "66.00"},
    "CFQ7TTC0LF5R": {"P1M/monthly": "3.60", "P1Y/annual": "36.00"},
    "CFQ7TTC0LHSV": {"P1M/monthly": "24.00", "P1Y/annual": "240.00"},
    "DG7GMGF0FKZV": {"P1Y/annual": "1859.00", "P3Y/annual": "1859.00",
                     "P3Y/triennial": "5577.00"},
    "DG7GMGF0FKZW": {"P1Y/annual": "799.00"},
    "DG7GMGF0DWMS": {"/one_time": "1069.00"},
    "DZH318Z0BQ4V": {"P1Y/one_time": "1200.00", "P3Y/one_time": "2500.00"},
    # The Azure plan costs nothing itself; its Azure usage is billed as consumed.
    "DZH318Z0BPS6": {"/one_time": "0.00"},
}


def list_price(product_id: str, term: str, cycle: str) -> Decimal:
    """The list price of one licence for one billing period (0 when the sandbox has none)."""
    return Decimal(LIST_PRICES_USD.get(product_id, {}).get(f"{term}/{cycle}", "0"))


def _public(item: dict[str, Any]) -> dict[str, Any]:
    """Drop the sandbox-only fields."""
    return {k: v for k, v in item.items() if k not in _PRIVATE}


def _link(uri: str) -> dict[str, Any]:
    """A Link resource (relative uri without /v1)."""
    return {"uri": uri, "method": "GET", "headers": []}


def _country(country: str | None) -> str:
    """The market of a catalog read, which its links repeat (?country=US)."""
    return (country or "US").upper()


def _product_view(product: dict[str, Any], country: str) -> dict[str, Any]:
    """A Product with its skus and self links."""
    base = f"/products/{product['id']}"
    return _public(product) | {"links": {"skus": _link(f"{base}/skus?country={country}"),
                                         "self": _link(f"{base}?country={country}")}}


def _dynamic_attributes(product: dict[str, Any], sku: dict[str, Any]) -> dict[str, Any]:
    """dynamicAttributes as the new-commerce SKU sample shows them."""
    return {"isMicrosoftProduct": bool(product.get("isMicrosoftProduct")),
            "hasConstraints": "limit" in sku, "isAddon": False, "prerequisiteSkus": [],
            "isSoftwareAssuranceApplicable": False, "upgradeTargetOffers": [],
            "provisioningId": product["id"], "internal": False}


def _sku_view(product: dict[str, Any], sku: dict[str, Any], country: str) -> dict[str, Any]:
    """A SKU with its productId, the variable lists, dynamic attributes and links."""
    base = f"/products/{product['id']}/skus/{sku['id']}"
    refundable = any(t.get("cancellationPolicies") for a in sku["availabilities"]
                     for t in a["terms"])
    return {"productId": product["id"], "inventoryVariables": [],
            "provisioningVariables": []} | _public(sku) | {
        "actions": ["Refund"] if refundable else [],
        "dynamicAttributes": _dynamic_attributes(product, sku),
        "links": {"availabilities": _link(f"{base}/availabilities?country={country}"),
                  "self": _link(f"{base}?country={country}")}}


def is_withdrawn(withdrawn: dict[str, list[str]] | None, product_id: str, sku_id: str,
                 country: str) -> bool:
    """Whether the state withdrew the SKU in the country (Sandbox.withdraw_availability):
    in it, or everywhere ("*") unless it was relisted there since ("+GB")."""
    countries = (withdrawn or {}).get(f"{product_id}:{sku_id}", ())
    market = _country(country)
    if "*" in countries:
        return RELISTED + market not in countries
    return market in countries


def _segment_ok(availability: dict[str, Any], segment: str | None) -> bool:
    """Nonprofit availabilities only come back when that segment is asked for."""
    own = availability["segment"].lower()
    return own == segment.lower() if segment else own != "nonprofit"


def _renewal_instructions(product_id: str, sku_id: str,
                          availability: dict[str, Any]) -> list[dict[str, Any]]:
    """A renewable availability renews its terms into the same product and SKU."""
    terms = [t["id"] for t in availability["terms"] if t.get("id")]
    if not availability.get("isRenewable") or not terms:
        return []
    return [{"applicableTermIds": terms, "renewalOptions": [
        {"renewToId": f"{product_id}:{sku_id}", "isAutoRenewable": True}]}]


@dataclass(frozen=True)
class Resolved:
    """A catalog item id split into its product, SKU and availability."""

    product: dict[str, Any]
    sku: dict[str, Any]
    availability: dict[str, Any]


class Catalog:
    """Read-only catalog; availability ids can be overridden (rotation) by the state."""

    def __init__(self, products: list[dict[str, Any]]) -> None:
        self._products = {p["id"]: p for p in products}

    @classmethod
    def load(cls, path: Path = CATALOG_PATH) -> Catalog:
        """Load catalog.json."""
        return cls(json.loads(path.read_text(encoding="utf-8"))["products"])

    def product(self, product_id: str) -> dict[str, Any]:
        """The raw product or 404/400013."""
        if product_id not in self._products:
            raise not_found(400013, f"Product {product_id}")
        return self._products[product_id]

    def sku(self, product_id: str, sku_id: str) -> dict[str, Any]:
        """The raw SKU or 404/400018."""
        for sku in self.product(product_id)["skus"]:
            if sku["id"] == sku_id:
                return sku
        raise not_found(400018, f"SKU {product_id}:{sku_id}")

    def products(self, view: str | None, segment: str | None,
                 country: str | None = None) -> list[dict[str, Any]]:
        """Products of a view having an availability in the segment."""
        return [_product_view(p, _country(country)) for p in self._products.values()
                if (not view or view in p["targetViews"])
                and any(_segment_ok(a, segment) for s in p["skus"] for a in s["availabilities"])]

    def skus(self, product_id: str, segment: str | None,
             country: str | None = None) -> list[dict[str, Any]]:
        """SKUs of a product, with their productId."""
        product = self.product(product_id)
        return [_sku_view(product, s, _country(country)) for s in product["skus"]
                if any(_segment_ok(a, segment) for a in s["availabilities"])]

    def availabilities(self, product_id: str, sku_id: str, country: str, segment: str | None,
                       current_ids: dict[str, str],
                       withdrawn: dict[str, list[str]] | None = None) -> list[dict[str, Any]]:
        """Availabilities of a SKU with their (possibly rotated) ids and catalogItemId; a
        SKU `withdrawn` in the country answers isPurchasable false there."""
        sku = self.sku(product_id, sku_id)
        found = [self._availability(product_id, sku_id, a, country, current_ids)
                 for a in sku["availabilities"] if _segment_ok(a, segment)]
        if is_withdrawn(withdrawn, product_id, sku_id, country):
            found = [a | {"isPurchasable": False} for a in found]
        return found

    def resolve(self, catalog_item_id: str, current_ids: dict[str, str]) -> Resolved:
        """Split `product:sku:availability`; a stale availability id is 404/400019."""
        parts = catalog_item_id.split(":")
        if len(parts) != 3:
            raise SandboxError(400, 10001, f"Invalid catalog item id {catalog_item_id}.")
        product_id, sku_id, availability_id = parts
        sku = self.sku(product_id, sku_id)
        for availability in sku["availabilities"]:
            if self._current_id(product_id, sku_id, availability, current_ids) == availability_id:
                return Resolved(self.product(product_id), sku, availability)
        raise not_found(400019, f"Availability {catalog_item_id}")

    def storefront(self, product_id: str) -> dict[str, Any]:
        """Our own per-product settings (family, segment, cancellable…)."""
        return self.product(product_id)["storefront"]

    @staticmethod
    def _current_id(product_id: str, sku_id: str, availability: dict[str, Any],
                    current_ids: dict[str, str]) -> str:
        """The availability id after any rotation (one availability per SKU rotates)."""
        return current_ids.get(f"{product_id}:{sku_id}", availability["id"])

    def _availability(self, product_id: str, sku_id: str, availability: dict[str, Any],
                      country: str, current_ids: dict[str, str]) -> dict[str, Any]:
        """Wire form of one availability, with its renewal instructions and self link."""
        current = self._current_id(product_id, sku_id, availability, current_ids)
        uri = f"/products/{product_id}/skus/{sku_id}/availabilities/{current}?country={country}"
        return {"id": current, "productId": product_id, "skuId": sku_id,
                "catalogItemId": f"{product_id}:{sku_id}:{current}"} | availability | {
            "id": current, "country": country,
            "renewalInstructions": _renewal_instructions(product_id, sku_id, availability),
            "links": {"self": _link(uri)}}
