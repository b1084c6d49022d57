"""Catalog admin services: each takes plain values, changes the catalog and commits once.

The catalog version is raised by the session listener (catalog/version.py) in the same
transaction, so cached listings never outlive a change made here.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from catalog.models import CatalogSettings, Price, Product, ResellerMarkup
from persistence import db

# The fields the admin's product page edits (those of its form); the others (ids,
# publisher, listed) are set by the price-list import.
PRODUCT_FIELDS = (
    "title", "family", "segment", "enabled", "discontinued", "new_subscription_per_order",
    "cancellable", "min_quantity", "max_quantity",
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


def set_retail_price(price: Price, amount: Decimal | None) -> None:
    """Set the provider's retail price, or clear it (None) so Microsoft's ERP price applies."""
    price.retail_price = amount
    db.session.commit()


def save_settings(settings: CatalogSettings, data: Mapping[str, Any]) -> CatalogSettings:
    """Save the billing switches (C1) and the default market, stored upper-case as ISO."""
    _copy(settings, data, SETTINGS_FIELDS)
    settings.default_market = settings.default_market.upper()
    db.session.commit()
    return settings


def save_markup(reseller_id: int, product_id: int | None, percent: Decimal) -> ResellerMarkup:
    """Set a reseller's markup on cost for one product, or for every product (None)."""
    row = db.session.scalars(select(ResellerMarkup).filter_by(
        reseller_id=reseller_id, product_id=product_id)).first()
    if row is None:  # one row per reseller and product (a unique constraint)
        row = ResellerMarkup(reseller_id=reseller_id, product_id=product_id)
        db.session.add(row)
    row.markup_percent = percent
    db.session.commit()
    return row
