"""Pull products, SKUs and availabilities from Partner Center into the local catalog.

Prices are not part of Partner Center's catalog API; they come from the price list import.
Availability ids rotate, so provisioning re-reads them before ordering; sync keeps the
shop's view fresh.

C3, as for the price list's EndOfSale (catalog/importer.py): Partner Center's word is on a
SKU in one market, and it is kept apart from the list's so neither undoes the other,
whichever ran last. A SKU with no purchasable availability (`isPurchasable`) in the synced
market is stopped there (SkuMarketStop, even before it has a price row there): every
price row of it in that market is `sync_stopped` and unlisted, and a row a list adds later
is born stopped. A later sync finding it purchasable lifts the stop: each row is listed
again if the list sells it (`list_sells`). Only when no SKU is purchasable here and no
price row of the product still sells in any market (each market's own sync, or the list,
having stopped them) is the product ended by the sync (`sync_ended`); a sync finding a SKU
purchasable lifts that, and the product sells again unless the list ends it too
(`list_ended`). The admin's own `discontinued` flag is never touched. Products an older
sync marked discontinued stay so: nothing tells them from an admin's choice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from catalog.families import classify, is_not_cancellable
from catalog.models import Family, Price, Product, Sku, SkuMarketStop
from catalog.price_words import counted
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
    # C3 in the synced market: SKUs whose rows stopped selling, or sell again.
    skus_stopped: int = 0
    skus_back: int = 0
    # C3: products put at end of sale, or back on sale.
    ended: int = 0
    back: int = 0

    def c3_words(self, market: str) -> str:
        """What stopped and what came back, for the CLI and the admin's job page."""
        return (f"{counted(self.skus_stopped, 'SKU')} stopped selling in {market}, "
                f"{self.skus_back} selling there again; "
                f"{counted(self.ended, 'product')} at end of sale, "
                f"{counted(self.back, 'product')} back on sale")


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
    if purchasable:  # a product listing no SKU here says nothing of its sale
        _follow_sale(local, any(purchasable), summary)


def _follow_sale(product: Product, purchasable: bool, summary: SyncSummary) -> None:
    """C3: the sync's end once no SKU is purchasable here nor any row sells elsewhere;
    lifted when one is purchasable again. The list's end and `discontinued` stay theirs."""
    was_ended = bool(product.end_of_sale)  # None: a product new to us
    if purchasable:
        product.sync_ended = False
    elif not product.sync_ended and not _sells_anywhere(product):
        product.sync_ended = True
    product.follow_sources()
    summary.back += was_ended and not product.end_of_sale
    summary.ended += product.end_of_sale and not was_ended


def _sells_anywhere(product: Product) -> bool:
    """Whether a price row of the product is still listed in some market."""
    return db.session.scalar(select(Price.id).join(Sku).where(
        Sku.product_id == product.id, Price.listed.is_(True)).limit(1)) is not None


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
    _follow_market(sku, country, current is not None, summary)
    return current


def _follow_market(sku: Sku, market: str, purchasable: bool, summary: SyncSummary) -> None:
    """C3 for one SKU in one market: stop it there (every row, listed or not, and rows a
    list adds later), or lift the stop, listing again the rows the list sells."""
    stop = next((s for s in sku.stops if s.market == market), None)
    if purchasable and stop is not None:
        sku.stops.remove(stop)
    elif not purchasable and stop is None:
        sku.stops.append(SkuMarketStop(market=market))
    changed = False
    for row in _rows(sku, market):
        was_listed = row.listed
        row.sync_stopped, row.listed = not purchasable, purchasable and row.list_sells
        changed |= was_listed != row.listed
    if changed:
        summary.skus_back += purchasable
        summary.skus_stopped += not purchasable


def _rows(sku: Sku, market: str) -> list[Price]:
    if sku.id is None:  # a SKU new to us has no prices yet
        return []
    return list(db.session.scalars(select(Price).where(
        Price.sku_id == sku.id, Price.market == market)))
