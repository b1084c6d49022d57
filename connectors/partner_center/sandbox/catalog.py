"""The sandbox catalog (data/catalog.json): products → SKUs → availabilities.

catalog.json is also the storefront's demo catalog; its `storefront` and `targetViews`
fields are ours and never leave the sandbox's API.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from connectors.partner_center.sandbox.errors import SandboxError, not_found

CATALOG_PATH = Path(__file__).with_name("data") / "catalog.json"
_PRIVATE = ("storefront", "targetViews", "skus", "availabilities", "limit", "limitUnitOfMeasure")


def _public(item: dict[str, Any]) -> dict[str, Any]:
    """Drop the sandbox-only fields."""
    return {k: v for k, v in item.items() if k not in _PRIVATE}


def _segment_ok(availability: dict[str, Any], segment: str | None) -> bool:
    """Nonprofit availabilities only come back when that segment is asked for."""
    own = availability["segment"].lower()
    return own == segment.lower() if segment else own != "nonprofit"


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

    def products(self, view: str | None, segment: str | None) -> list[dict[str, Any]]:
        """Products of a view having an availability in the segment."""
        return [_public(p) for p in self._products.values()
                if (not view or view in p["targetViews"])
                and any(_segment_ok(a, segment) for s in p["skus"] for a in s["availabilities"])]

    def skus(self, product_id: str, segment: str | None) -> list[dict[str, Any]]:
        """SKUs of a product, with their productId."""
        return [_public(s) | {"productId": product_id}
                for s in self.product(product_id)["skus"]
                if any(_segment_ok(a, segment) for a in s["availabilities"])]

    def availabilities(self, product_id: str, sku_id: str, country: str, segment: str | None,
                       current_ids: dict[str, str]) -> list[dict[str, Any]]:
        """Availabilities of a SKU with their (possibly rotated) ids and catalogItemId."""
        sku = self.sku(product_id, sku_id)
        return [self._availability(product_id, sku_id, a, country, current_ids)
                for a in sku["availabilities"] if _segment_ok(a, segment)]

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
        """Wire form of one availability."""
        current = self._current_id(product_id, sku_id, availability, current_ids)
        return availability | {
            "id": current, "productId": product_id, "skuId": sku_id, "country": country,
            "catalogItemId": f"{product_id}:{sku_id}:{current}",
        }
