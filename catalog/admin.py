"""Catalog admin services: each takes plain values, changes the catalog and commits once.

The catalog version is raised by the session listener (catalog/version.py) in the same
transaction, so cached listings never outlive a change made here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from catalog.models import CatalogSettings, Product
from persistence import db

# The fields the admin's product page edits (those of its form); the others (ids,
# publisher, listed) are set by the price-list import.
PRODUCT_FIELDS = (
    "title", "family", "segment", "enabled", "discontinued", "new_subscription_per_order",
    "cancellable", "min_quantity", "max_quantity", "delivery", "install_instructions_url",
)
SETTINGS_FIELDS = ("annual_billing_cycle_enabled", "annual_provisioning_enabled",
                   "default_market")


def _copy(obj: object, data: Mapping[str, Any], fields: tuple[str, ...]) -> None:
    # Only the named fields: form data also carries e.g. the CSRF token.
    for name in fields:
        if name in data:
            setattr(obj, name, data[name])


def save_product(product: Product, data: Mapping[str, Any]) -> Product:
    """Save the provider's edits of a product (title, family, segment and sale flags)."""
    _copy(product, data, PRODUCT_FIELDS)
    db.session.commit()
    return product


def toggle_for_sale(product: Product) -> bool:
    """Start or stop selling a product in the shop; returns whether it is now for sale."""
    product.enabled = not product.enabled
    db.session.commit()
    return product.enabled


def save_settings(settings: CatalogSettings, data: Mapping[str, Any]) -> CatalogSettings:
    """Save the billing switches (C1) and the default market, stored upper-case as ISO."""
    _copy(settings, data, SETTINGS_FIELDS)
    settings.default_market = settings.default_market.upper()
    db.session.commit()
    return settings
