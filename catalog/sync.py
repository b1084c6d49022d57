"""Pull products, SKUs and availabilities from Partner Center into the local catalog.

Prices are not part of Partner Center's catalog API; they come from the price list import.
Availability ids rotate, so provisioning re-reads them before ordering; sync keeps the
shop's view fresh and marks products that can no longer be bought as discontinued (C3).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from catalog.families import classify, is_not_cancellable
from catalog.models import Family, Product, Sku
from persistence import db

# Views we sell from, and the family a product found there belongs to when its title
# alone does not tell (perpetual licences and reservations look like other software).
VIEWS = (("OnlineServices", None), ("SoftwareSubscriptions", Family.SOFTWARE_SUBSCRIPTION),
         ("SoftwarePerpetual", Family.PERPETUAL_SOFTWARE),
         ("AzureReservations", Family.AZURE_RESERVATION),
         ("MicrosoftAzure", Family.AZURE_PLAN))  # create-azure-plan: the Azure plan's view
# Specialized-industry availabilities come back only when asked for explicitly.
SEGMENTS = (None, "education", "government", "nonprofit")


@dataclass
class SyncSummary:
    products_added: int = 0
    products_updated: int = 0
    skus_added: int = 0
    discontinued: int = 0


def sync_catalog(client, country: str,
                 progress: Callable[[int, int], None] | None = None) -> SyncSummary:
    """Upsert every product of our views for one market; commits once. `progress(done,
    total)` hears of each product synced (the admin's job page shows it)."""
    summary = SyncSummary()
    seen: dict[str, tuple] = {}
    for view, family in VIEWS:
        for segment in SEGMENTS:
            for product in client.list_products(country, view, segment):
                seen.setdefault(product.id, (product, family, segment))
    for done, (product, family, segment) in enumerate(seen.values(), 1):
        _sync_product(client, country, product, family, segment, summary)
        if progress:
            progress(done, len(seen))
    db.session.commit()
    return summary


def _sync_product(client, country, remote, family, segment, summary: SyncSummary) -> None:
    local = db.session.scalar(select(Product).filter_by(pc_product_id=remote.id))
    is_new = local is None
    if is_new:
        local = _new_product(remote, family, segment)
        summary.products_added += 1
    else:
        summary.products_updated += 1
    local.title, local.description = remote.title, remote.description or local.description
    local.publisher = remote.publisher_name or local.publisher
    availabilities = [_sync_sku(client, country, local, sku, segment, summary)
                      for sku in client.list_skus(remote.id, country, segment)]
    purchasable = [a is not None for a in availabilities]
    if is_new and any(purchasable):
        # The availability says which segment the plan is sold to (C5).
        local.segment = next(a for a in availabilities if a).segment.lower() or "commercial"
    if purchasable and not any(purchasable) and not local.discontinued:
        local.discontinued = True
        summary.discontinued += 1


def _new_product(remote, family, segment) -> Product:
    guessed = family or classify(remote.title, remote.publisher_name)
    product = Product(pc_product_id=remote.id, title=remote.title, family=guessed,
                      segment=segment or "commercial",
                      new_subscription_per_order=guessed == Family.DYNAMICS,
                      cancellable=not is_not_cancellable(remote.publisher_name or ""))
    db.session.add(product)
    return product


def _sync_sku(client, country, product: Product, remote, segment, summary):
    """Upsert one SKU with its current availability; returns it (None: not purchasable)."""
    sku = next((s for s in product.skus if s.pc_sku_id == remote.id), None)
    if sku is None:
        sku = Sku(product=product, pc_sku_id=remote.id, title=remote.title)
        db.session.add(sku)
        summary.skus_added += 1
    sku.title = remote.title
    product.min_quantity, product.max_quantity = remote.minimum_quantity, remote.maximum_quantity
    availabilities = client.list_availabilities(product.pc_product_id, remote.id, country,
                                                segment)
    current = next((a for a in availabilities if a.is_purchasable), None)
    sku.purchasable = current is not None
    if current is not None:
        sku.availability_id = current.id
    return current
