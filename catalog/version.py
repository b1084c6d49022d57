"""The catalog version: raised in the same transaction as every catalog write.

"Catalog" here means what an admin edits and buyers only read: products, SKUs, prices,
the billing settings, reseller markups and the K3/K10 country lists.

Pages built from the catalog (the shop's offers, the admin list) are cached per worker
under the version they were rendered at. Each request reads the one version row first, so
a price edited through any worker, the CLI or an import is visible on the next request
everywhere: the new version misses every old entry.

A second counter, the listing version, rises only with writes that change which products
there are, what a listing shows of them, or which prices are listed where: products and
SKUs, prices added, removed, listed, unlisted or moved (market, billing cycle, SKU). The
product list and each market's priced products are kept under it, so an edited amount,
markup or setting (most of a provider's day) re-renders the offers but does not reread
5,000 products and every market's listed prices in every worker (#27). Bulk statements on
those tables count as listing writes.

Each bump also records what the version changed (catalog/changes.py): the products whose
amounts an edit changed, nothing a card shows (markups, the billing switches), or
everything, so per-product caches keep the rest.

Writes are noticed on the session, so nobody has to remember to bump: ORM changes to
catalog rows (before_flush) and insert/update/delete statements on catalog tables run
through the session (the importer's executemany). A write that bypasses the session
(a raw connection) must call `bump` itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from sqlalchemy import event, insert, inspect, or_, select, update
from sqlalchemy.orm import Session

from catalog import changes
from catalog.models import (
    CatalogSettings,
    CatalogVersion,
    CountryListEntry,
    Price,
    Product,
    ResellerMarkup,
    Sku,
)

# The K3/K10 country lists are admin-edited reference data read by every checkout, like
# the billing switches: they share the version so checkouts can keep them per worker too.
CATALOG_MODELS = (Product, Sku, Price, CatalogSettings, ResellerMarkup, CountryListEntry)
CATALOG_TABLES = frozenset(model.__tablename__ for model in CATALOG_MODELS)
LISTING_MODELS = (Product, Sku, Price)
LISTING_TABLES = frozenset(model.__tablename__ for model in LISTING_MODELS)
# The columns of a price that decide whether and where it is listed (catalog/rows.py), and
# when it sells (catalog/effective.py keeps the days rows start and end per listing version).
LISTING_PRICE_COLUMNS = frozenset({"listed", "market", "billing_cycle", "sku_id",
                                   "effective_start", "effective_end", "term_duration",
                                   "currency", "tier_min"})
# A price's amounts: an edit of these alone changes that product's offers only.
AMOUNT_PRICE_COLUMNS = frozenset({"unit_price", "erp_price", "retail_price", "updated_at"})
# What an offer card's key names (storefront/shop.py): a write of these alone changes no
# product's card.
KEYED_MODELS = (CatalogSettings, ResellerMarkup)
CHANGED = "catalog_changed"
LISTING_CHANGED = "catalog_listing_changed"
# The SKUs whose prices' amounts the session changed, or changes.EVERYTHING.
CHANGED_SKUS = "catalog_changed_skus"
CATALOG, LISTING = 1, 2  # the two counters' rows


class Versions(NamedTuple):
    catalog: int  # raised by every catalog write
    listing: int  # raised by the writes that change a listing's products (above)


# On the table, not the model (here and in `bump`): an ORM statement configures every
# mapper on its first use, a tenth of a second the CLI's import otherwise never needs.
_TABLE = CatalogVersion.__table__
VERSION = select(_TABLE.c.value).where(_TABLE.c.id == CATALOG)
# Two equalities, not IN: SQLAlchemy renders an IN list's SQL again on every execution
# (40 -> 27 us, on every catalog page, #27).
VERSIONS = select(_TABLE.c.id, _TABLE.c.value).where(
    or_(_TABLE.c.id == CATALOG, _TABLE.c.id == LISTING))


def current(session: Session) -> int:
    """The committed catalog version (0 before the first write)."""
    # On the session's connection, past the ORM: one integer, read on every catalog page.
    return session.connection().execute(VERSION).scalar() or 0


def both(session: Session) -> Versions:
    """The committed catalog and listing versions, in one statement."""
    found = dict(session.connection().execute(VERSIONS).all())
    return Versions(found.get(CATALOG, 0), found.get(LISTING, 0))


def bump(session: Session, *, listing: bool = True,
         products: Iterable[int] | None = changes.EVERYTHING) -> None:
    """Raise the version (and the listing version, unless only amounts, markups or
    settings changed) inside the session's transaction: it commits with the write. What it
    changed, `products` (None: everything), is recorded with it (catalog/changes.py)."""
    session.flush()  # the pending writes first (Core statements do not autoflush)
    for row_id in (CATALOG, LISTING) if listing else (CATALOG,):
        raised = session.execute(update(_TABLE).where(_TABLE.c.id == row_id)
                                 .values(value=_TABLE.c.value + 1))
        if raised.rowcount == 0:  # a database made by create_all(), or before the listing row
            session.execute(insert(_TABLE).values(id=row_id, value=1))
    changes.record(session, session.execute(VERSION).scalar(), products)


def track_writes(session_target) -> None:
    """Bump the version on commit of any session that wrote catalog rows (idempotent)."""
    for name, listener in (("before_flush", _note_flush), ("do_orm_execute", _note_statement),
                           ("before_commit", _bump_if_changed)):
        if not event.contains(session_target, name, listener):
            event.listen(session_target, name, listener)


def _note_flush(session: Session, _context, _instances) -> None:
    _note(session)


def _note_statement(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        name = getattr(getattr(state.statement, "table", None), "name", None)
        if name in CATALOG_TABLES:
            state.session.info[CHANGED] = True
            state.session.info[CHANGED_SKUS] = changes.EVERYTHING
        if name in LISTING_TABLES:
            state.session.info[LISTING_CHANGED] = True


def _bump_if_changed(session: Session) -> None:
    _note(session)
    if session.info.get(CHANGED):
        # Autoflushes the pending writes first, which notes them again: noted before.
        bump(session, listing=bool(session.info.get(LISTING_CHANGED)),
             products=_changed_products(session))
        session.info[CHANGED] = session.info[LISTING_CHANGED] = False
        session.info.pop(CHANGED_SKUS, None)


def _note(session: Session) -> None:
    """Note the catalog and listing writes among the session's pending objects, and what
    of the catalog they change."""
    for obj in (*session.new, *session.deleted):
        if isinstance(obj, CATALOG_MODELS):
            session.info[CHANGED] = True
            if not isinstance(obj, KEYED_MODELS):
                session.info[CHANGED_SKUS] = changes.EVERYTHING
            if isinstance(obj, LISTING_MODELS):
                session.info[LISTING_CHANGED] = True
    for obj in session.dirty:
        if isinstance(obj, CATALOG_MODELS):
            session.info[CHANGED] = True
            edited = _edited(obj) if isinstance(obj, Price) else None  # read once, for both
            if _changes_listing(obj, edited):
                session.info[LISTING_CHANGED] = True
            _note_scope(session, obj, edited)


def _edited(price: Price) -> set[str]:
    """The attributes of a price the session changed."""
    return {attr.key for attr in inspect(price).attrs if attr.history.has_changes()}


def _changes_listing(obj, edited: set[str] | None) -> bool:
    if edited is not None:  # a price: only where and whether it is listed
        return bool(edited & LISTING_PRICE_COLUMNS)
    return isinstance(obj, LISTING_MODELS)


def _note_scope(session: Session, obj, edited: set[str] | None) -> None:
    """Widen what the session changed by an edited row (`edited`: a price's changed
    attributes): a price's amounts change its SKU's product, a markup or a switch no card
    (their keys name them), anything else everything."""
    skus = session.info.setdefault(CHANGED_SKUS, set())
    if skus is changes.EVERYTHING or isinstance(obj, KEYED_MODELS):
        return
    if edited is not None and edited <= AMOUNT_PRICE_COLUMNS:
        if edited:
            skus.add(obj.sku_id)
        return
    session.info[CHANGED_SKUS] = changes.EVERYTHING


def _changed_products(session: Session) -> frozenset[int] | None:
    """The products whose amounts the session changed; None for everything."""
    skus = session.info.get(CHANGED_SKUS, set())
    if skus is changes.EVERYTHING:
        return changes.EVERYTHING
    if not skus:
        return frozenset()
    return frozenset(session.execute(select(Sku.product_id).where(Sku.id.in_(skus))).scalars())
