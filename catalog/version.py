"""The catalog version: raised in the same transaction as every catalog write.

"Catalog" here means what an admin edits and buyers only read: products, SKUs, prices,
the billing settings, reseller markups and the K3/K10 country lists.

Pages built from the catalog (the shop's offers, the admin list) are cached per worker
under the version they were rendered at. Each request reads the one version row first, so
a price edited through any worker, the CLI or an import is visible on the next request
everywhere: the new version misses every old entry.

Writes are noticed on the session, so nobody has to remember to bump: ORM changes to
catalog rows (before_flush) and insert/update/delete statements on catalog tables run
through the session (the importer's executemany). A write that bypasses the session
(a raw connection) must call `bump` itself.
"""

from __future__ import annotations

from sqlalchemy import event, insert, select, update
from sqlalchemy.orm import Session

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
CHANGED = "catalog_changed"


VERSION = select(CatalogVersion.value).where(CatalogVersion.id == 1)


def current(session: Session) -> int:
    """The committed catalog version (0 before the first write)."""
    # On the session's connection, past the ORM: one integer, read on every catalog page.
    return session.connection().execute(VERSION).scalar() or 0


def bump(session: Session) -> None:
    """Raise the version inside the session's transaction (it commits with the write)."""
    raised = session.execute(update(CatalogVersion).where(CatalogVersion.id == 1)
                             .values(value=CatalogVersion.value + 1))
    if raised.rowcount == 0:  # a database made by create_all(), not by the migration
        session.execute(insert(CatalogVersion).values(id=1, value=1))


def track_writes(session_target) -> None:
    """Bump the version on commit of any session that wrote catalog rows (idempotent)."""
    for name, listener in (("before_flush", _note_flush), ("do_orm_execute", _note_statement),
                           ("before_commit", _bump_if_changed)):
        if not event.contains(session_target, name, listener):
            event.listen(session_target, name, listener)


def _note_flush(session: Session, _context, _instances) -> None:
    if _touches_catalog(session):
        session.info[CHANGED] = True


def _note_statement(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in CATALOG_TABLES:
            state.session.info[CHANGED] = True


def _bump_if_changed(session: Session) -> None:
    if session.info.get(CHANGED) or _touches_catalog(session):
        bump(session)  # autoflushes the pending writes first, which notes them again
        session.info[CHANGED] = False


def _touches_catalog(session: Session) -> bool:
    return any(isinstance(obj, CATALOG_MODELS)
               for obj in (*session.new, *session.dirty, *session.deleted))
