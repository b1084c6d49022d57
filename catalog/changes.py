"""What each catalog version changed, so a worker's per-product caches (the shop's offer
cards, each market's prices) keep what a change did not touch (#27).

Every catalog write raises the version (catalog/version.py) and records here, in the same
transaction, what it changed. An edited amount (cost, ERP or retail price) records the
products whose prices it edited: the next view outdates those products' cards, not every
card of a 5,000-product catalog in every worker, so the first shop pages after an admin's
edit are not rendered from nothing. A reseller's markups or the billing switches record no
product: an offer card's key names the markup and the switch it was priced with
(storefront/shop.py), so none is outdated. Anything else (products, SKUs, which prices are
listed where, the country lists, a bulk statement, a write made past the session) records
everything, and every card goes, as before.

A worker that finds any version missing between the one it kept and the current one (the
record is kept for KEPT versions; a database from before this record) keeps nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from sqlalchemy import bindparam, delete, insert, select
from sqlalchemy.orm import Session

from catalog.models import CatalogChange

KEPT = 1000  # versions a worker may fall behind by and still keep its cards
EVERYTHING = None


def record(session: Session, catalog_version: int, products: Iterable[int] | None) -> None:
    """What `catalog_version` changed: these products' prices (none: nothing a card shows),
    or with None everything. In the caller's transaction, with the version's own bump."""
    if products is None:
        rows = [{"version": catalog_version, "product_id": None, "everything": True}]
    else:
        rows = [{"version": catalog_version, "product_id": product_id, "everything": False}
                for product_id in sorted(set(products))]
        rows = rows or [{"version": catalog_version, "product_id": None, "everything": False}]
    table = CatalogChange.__table__  # Core: see catalog.version.bump
    session.execute(insert(table), rows)
    session.execute(delete(table).where(table.c.version <= catalog_version - KEPT))


def since(session: Session, kept_version: int, catalog_version: int) -> frozenset[int] | None:
    """The products whose prices changed after `kept_version` up to `catalog_version`; None
    when anything else changed or a version in between left no record."""
    if catalog_version - kept_version > KEPT:  # pruned already: no need to ask
        return None
    found = session.connection().execute(_changes_between(), {
        "after": kept_version, "upto": catalog_version}).all()
    # Every version found lies in the range: as many distinct ones as it holds is all.
    if len({version for version, _, _ in found}) != catalog_version - kept_version:
        return None
    if any(everything for _, _, everything in found):
        return None
    return frozenset(product_id for _, product_id, _ in found if product_id is not None)


@cache
def _changes_between():
    return select(CatalogChange.version, CatalogChange.product_id,
                  CatalogChange.everything).where(
        CatalogChange.version > bindparam("after"),
        CatalogChange.version <= bindparam("upto"))
