"""Import a parsed price list: idempotent upserts of products, SKUs and prices, one commit.

Rows absent from a new file are kept but marked no longer listed, so past orders still
point at their prices and the shop stops offering them.

Everything goes through Core, and prices through the driver's executemany with values
already in the database's form: per-row ORM and parameter processing was most of a 50,000
row import (bench/catalog_import.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Table, bindparam, insert, select, update

from catalog import version
from catalog.bulk import paused_gc
from catalog.families import classify, is_not_cancellable
from catalog.models import Price, Product, Sku
from catalog.price_list import PriceRow
from persistence import db, utcnow

KEY_COLUMNS = ("sku_id", "term_duration", "billing_cycle", "market", "currency", "tier_min")
PRICE_FIELDS = ("unit_price", "erp_price", "tier_max", "effective_start", "effective_end")
PROGRESS_STEP = 1000


@dataclass
class ImportSummary:
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    no_longer_listed: int = 0
    products_added: int = 0
    skus_added: int = 0
    changes: list[str] = field(default_factory=list)


def import_rows(rows: Sequence[PriceRow], progress: Callable[[int], None] | None = None
                ) -> ImportSummary:
    """Upsert every row and mark unlisted prices; commits once, or not at all on error."""
    summary = ImportSummary()
    try:
        with paused_gc():
            sku_ids = _upsert_catalog(rows, summary)
            _upsert_prices(rows, sku_ids, summary, progress or (lambda n: None))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return summary


# -- products and SKUs ------------------------------------------------------------------

def _upsert_catalog(rows: Sequence[PriceRow], summary: ImportSummary) -> dict[tuple, int]:
    """Products and SKUs by Partner Center id; returns (product id, sku id) → SKU row id."""
    # One row per SKU is enough to name products and SKUs; the rest only carry prices.
    per_sku = {(r.product_id, r.sku_id): r for r in rows}
    product_ids = _upsert_products(per_sku.values(), summary)
    return _upsert_skus(per_sku.values(), product_ids, summary)


def _upsert_products(rows, summary: ImportSummary) -> dict[str, int]:
    table = Product.__table__
    c = table.c
    found = {r.pc_product_id: r for r in db.session.execute(
        select(c.id, c.pc_product_id, c.title, c.publisher, c.listed, c.discontinued))}
    wanted: dict[str, dict] = {}
    for row in rows:  # names come from Microsoft; family and sale flags stay the admin's
        old = found.get(row.product_id)
        entry = wanted.setdefault(row.product_id, {
            "publisher": old.publisher if old else "", "discontinued": bool(
                old and old.discontinued), "first": row})
        entry["title"] = row.product_title
        entry["publisher"] = row.publisher or entry["publisher"]
        entry["discontinued"] |= "endofsale" in row.tags.lower().replace(" ", "")
    new = [_new_product(pid, e) for pid, e in wanted.items() if pid not in found]
    changed = [{"_id": found[pid].id, "title": e["title"], "publisher": e["publisher"],
                "listed": True, "discontinued": e["discontinued"]}
               for pid, e in wanted.items() if pid in found and _product_changed(found[pid], e)]
    summary.products_added = len(new)
    _save(table, new, changed)
    if not new:
        return {pid: row.id for pid, row in found.items()}
    return dict(db.session.execute(select(c.pc_product_id, c.id)).tuples().all())


def _new_product(pc_product_id: str, entry: dict) -> dict:
    first = entry["first"]
    return {"pc_product_id": pc_product_id, "title": entry["title"],
            "publisher": entry["publisher"] or "Microsoft Corporation",
            "family": classify(first.product_title, first.publisher, first.tags,
                               first.billing_cycle).value,
            "segment": first.segment, "discontinued": entry["discontinued"],
            "cancellable": not is_not_cancellable(first.publisher), "listed": True}


def _product_changed(old, entry: dict) -> bool:
    return (old.title, old.publisher, old.listed, old.discontinued) != (
        entry["title"], entry["publisher"], True, entry["discontinued"])


def _upsert_skus(rows, product_ids: dict[str, int], summary: ImportSummary
                 ) -> dict[tuple, int]:
    table, by_id = Sku.__table__, {v: k for k, v in product_ids.items()}
    c = table.c
    found = {(by_id[r.product_id], r.pc_sku_id): r for r in db.session.execute(
        select(c.id, c.product_id, c.pc_sku_id, c.title, c.description, c.unit_of_measure))}
    new, changed = [], []
    for row in rows:
        names = {"title": row.sku_title, "description": row.sku_description,
                 "unit_of_measure": row.unit_of_measure}
        old = found.get((row.product_id, row.sku_id))
        if old is None:
            new.append({"product_id": product_ids[row.product_id], "pc_sku_id": row.sku_id,
                        **names})
        elif (old.title, old.description, old.unit_of_measure) != tuple(names.values()):
            changed.append({"_id": old.id, **names})
    summary.skus_added = len(new)
    _save(table, new, changed)
    if not new:
        return {key: row.id for key, row in found.items()}
    return {(by_id[product_id], pc_sku_id): sku_id for sku_id, product_id, pc_sku_id
            in db.session.execute(select(c.id, c.product_id, c.pc_sku_id))}


def _save(table: Table, new: list[dict], changed: list[dict]) -> None:
    """Insert the new rows and update the changed ones by "_id" (Core executemany; the
    columns' onupdate defaults, e.g. updated_at, still apply)."""
    if new:
        db.session.execute(insert(table), new)
    if changed:
        columns = {name: bindparam(name) for name in changed[0] if name != "_id"}
        db.session.execute(update(table).where(table.c.id == bindparam("_id"))
                           .values(columns), changed)


# -- prices -------------------------------------------------------------------------------

def _upsert_prices(rows, sku_ids, summary: ImportSummary, progress) -> None:
    c = Price.__table__.c
    money, day = _InDatabaseForm(c.unit_price.type), _InDatabaseForm(c.effective_start.type)
    flag, moment = _InDatabaseForm(c.listed.type), _InDatabaseForm(c.updated_at.type)
    existing, now, listed = _existing_prices(), moment[utcnow()], flag[True]
    inserts, updates, seen = [], [], set()
    for index, row in enumerate(rows, 1):
        key = (sku_ids[(row.product_id, row.sku_id)], row.term_duration, row.billing_cycle,
               row.market, row.currency, row.tier_min)
        seen.add(key)
        values = (money[row.unit_price], money[row.erp_price], row.tier_max,
                  day[row.effective_start], day[row.effective_end])  # as PRICE_FIELDS
        found = existing.get(key)
        if found is None:
            inserts.append((*key, *values, listed, now))
            summary.added += 1
        elif found[2] == values and found[1]:
            summary.unchanged += 1
        else:
            updates.append((*values, listed, now, found[0]))
            summary.changed += 1
            _note_change(summary, row, found[2][0], values[0])
        if index % PROGRESS_STEP == 0:
            progress(PROGRESS_STEP)
    progress(len(rows) % PROGRESS_STEP)
    gone = [(flag[False], now, price_id)
            for key, (price_id, was_listed, _) in existing.items()
            if was_listed and key not in seen]
    summary.no_longer_listed = len(gone)
    _write(inserts, updates, gone)


def _existing_prices() -> dict[tuple, tuple]:
    """Natural key → (id, listed, price fields as the database holds them)."""
    columns = ", ".join(("id", *KEY_COLUMNS, "listed", *PRICE_FIELDS))
    found = {}
    for r in db.session.connection().exec_driver_sql(f"SELECT {columns} FROM prices"):  # noqa: S608
        found[tuple(r[1:7])] = (r[0], bool(r[7]), tuple(r[8:]))
    return found


def _note_change(summary: ImportSummary, row: PriceRow, old, new) -> None:
    if old != new:
        summary.changes.append(f"line {row.line}: {row.product_title} {row.sku_title} "
                               f"{row.term_duration} {row.billing_cycle} {row.market}: "
                               f"{old} → {row.unit_price}")


def _write(inserts: list[tuple], updates: list[tuple], gone: list[tuple]) -> None:
    connection = db.session.connection()
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    marks = lambda n: ", ".join([mark] * n)  # noqa: E731
    insert_columns = (*KEY_COLUMNS, *PRICE_FIELDS, "listed", "updated_at")
    sets = ", ".join(f"{name} = {mark}" for name in (*PRICE_FIELDS, "listed", "updated_at"))
    # Only our own column names are formatted in; every value is a bound parameter.
    statements = (
        (f"INSERT INTO prices ({', '.join(insert_columns)}) "  # noqa: S608
         f"VALUES ({marks(len(insert_columns))})", inserts),
        (f"UPDATE prices SET {sets} WHERE id = {mark}", updates),  # noqa: S608
        (f"UPDATE prices SET listed = {mark}, updated_at = {mark} "  # noqa: S608
         f"WHERE id = {mark}", gone),
    )
    for sql, params in statements:
        if params:
            connection.exec_driver_sql(sql, params)
    if inserts or updates or gone:
        version.bump(db.session)  # the driver's writes bypass the session's tracking


class _InDatabaseForm(dict):
    """Python value → the database's own form, through the column type's bind processor
    (text money on SQLite, NUMERIC on PostgreSQL), computed once per distinct value: a
    price list repeats a few hundred prices and dates across thousands of rows."""

    def __init__(self, column_type):
        super().__init__()
        dialect = db.session.connection().dialect
        self._process = column_type.dialect_impl(dialect).bind_processor(dialect)

    def __missing__(self, value):
        form = self[value] = self._process(value) if self._process and value is not None \
            else value
        return form
