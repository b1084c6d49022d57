"""Import a parsed price list: idempotent upserts of products, SKUs and prices, one commit.

A price's natural key includes its EffectiveStartDate: next month's list, imported early,
adds its rows beside today's, and the dates decide which sells (catalog/effective.py).

Rows absent from a new file are kept, unlisted or given an end (catalog.list_absent), so
past orders still point at their prices.

End of sale (C3) is Microsoft's word on one row, a SKU in one market: a row tagged
EndOfSale is kept but not sold (`list_sells` false), so the shop stops offering it there
and checkout refuses a new subscription at it (extra licenses are priced at their
subscription's term). Only when every row of a product in the file is at end of sale does
the list end the product (`list_ended`, apart from the admin's own discontinued flag). Each
list says it again: a later one without the tag sells the row and lifts the product's end.

The list's word is only its own: the Partner Center sync keeps Microsoft's other word on
the same rows and products (catalog/sync.py: `sync_stopped`, SkuMarketStop, `sync_ended`),
and neither lifts the other's. A row is listed (what the shop and checkout read) when the
list sells it and the sync has not stopped it; a row the list adds for a SKU the sync
stopped in its market is born stopped; a product is at end of sale when either ends it.

A file with invalid lines unlists and ends nothing (an invalid line may be the very offer
it would unlist); its valid lines still add and change prices.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache

from sqlalchemy import Table, bindparam, insert, select, update

from catalog import version
from catalog.bulk import paused_gc
from catalog.families import classify, is_not_cancellable
from catalog.list_absent import absent_rows, as_date, describe_endings, left_out
from catalog.models import Price, Product, Sku, SkuMarketStop
from catalog.price_list import PriceRow
from catalog.price_words import counted
from persistence import db, utcnow

KEY_COLUMNS = ("sku_id", "term_duration", "billing_cycle", "market", "currency", "tier_min",
               "effective_start")
PRICE_FIELDS = ("unit_price", "erp_price", "tier_max", "effective_end")
SALE_COLUMNS = ("listed", "list_sells", "sync_stopped")  # as _Sale gives them (C3)
PROGRESS_STEP = 1000


@dataclass
class ImportSummary:
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    no_longer_listed: int = 0
    # Offers a next month's list leaves out: they sell until that list starts, then end.
    ending: int = 0
    products_added: int = 0
    skus_added: int = 0
    # Rows tagged EndOfSale: kept, not listed (C3).
    end_of_sale: int = 0
    changes: list[str] = field(default_factory=list)
    endings: list[str] = field(default_factory=list)
    # Why some offers absent from the file were kept as they were (see the module's policy).
    invalid_lines: int = 0
    markets: list[str] = field(default_factory=list)
    kept_other_markets: int = 0

    def unlisting_notes(self) -> list[str]:
        """What the import did not unlist and why, in sentences for the admin."""
        notes = []
        if self.invalid_lines:
            notes.append(f"Nothing was unlisted or ended because "
                         f"{counted(self.invalid_lines, 'line has', 'lines have')} errors; "
                         "fix them and import the whole file again.")
        if self.kept_other_markets:
            kept = counted(self.kept_other_markets, "listed price of another market was",
                           "listed prices of other markets were")
            notes.append(f"Unlisting was limited to the file's markets "
                         f"({', '.join(self.markets)}): {kept} kept.")
        if self.end_of_sale:
            rows = counted(self.end_of_sale, "row is", "rows are")
            notes.append(f"{rows} tagged EndOfSale: kept but not sold in their market (C3).")
        return notes


def import_rows(rows: Sequence[PriceRow], progress: Callable[[int], None] | None = None,
                invalid_lines: int = 0) -> ImportSummary:
    """Upsert every row and mark unlisted prices; commits once, or not at all on error.
    `invalid_lines` counts the file's lines left out as invalid: any, and nothing is
    unlisted."""
    summary = ImportSummary(invalid_lines=invalid_lines)
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
    selling = {r.product_id for r in rows if not at_end_of_sale(r.tags)}
    product_ids = _upsert_products(per_sku.values(), selling, summary)
    return _upsert_skus(per_sku.values(), product_ids, summary)


def _upsert_products(rows, selling: set[str], summary: ImportSummary) -> dict[str, int]:
    """`selling`: the products with a row of the file not at end of sale."""
    table = Product.__table__
    c = table.c
    found = {r.pc_product_id: r for r in db.session.execute(
        select(c.id, c.pc_product_id, c.title, c.publisher, c.listed, c.list_ended,
               c.sync_ended))}
    wanted: dict[str, dict] = {}
    for row in rows:  # names come from Microsoft; family and sale flags stay the admin's
        old = found.get(row.product_id)
        entry = wanted.setdefault(row.product_id, {
            "publisher": old.publisher if old else "",
            "list_ended": row.product_id not in selling, "first": row})
        entry["title"] = row.product_title
        entry["publisher"] = row.publisher or entry["publisher"]
    new = [_new_product(pid, e) for pid, e in wanted.items() if pid not in found]
    changed = [{"_id": found[pid].id, "title": e["title"], "publisher": e["publisher"],
                "listed": True, "list_ended": e["list_ended"],
                "end_of_sale": e["list_ended"] or found[pid].sync_ended}  # either ends it
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
            "segment": first.segment, "list_ended": entry["list_ended"],
            "end_of_sale": entry["list_ended"],  # no sync has ended a product new to us
            "cancellable": not is_not_cancellable(first.publisher), "listed": True}


def _product_changed(old, entry: dict) -> bool:
    return (old.title, old.publisher, old.listed, old.list_ended) != (
        entry["title"], entry["publisher"], True, entry["list_ended"])


@cache
def at_end_of_sale(tags: str) -> bool:
    """Whether a row's Tags say EndOfSale (any case and spacing); a list repeats a few
    tag sets across its rows, so each is read once."""
    return "endofsale" in tags.lower().replace(" ", "")


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
    existing, now, sale = _existing_prices(), moment[utcnow()], _Sale(flag)
    new, updates, seen = [], [], set()
    for index, row in enumerate(rows, 1):
        sells = not at_end_of_sale(row.tags)  # a row at end of sale is kept, unlisted
        key = (sku_ids[(row.product_id, row.sku_id)], row.term_duration, row.billing_cycle,
               row.market, row.currency, row.tier_min, day[row.effective_start])
        seen.add(key)
        values = (money[row.unit_price], money[row.erp_price], row.tier_max,
                  day[row.effective_end])  # as PRICE_FIELDS
        found = existing.get(key)
        if found is None:
            # The first import replaces nothing: its parameters are built here at once.
            new.append((key, values, row) if existing
                       else (*key, *values, *sale(key, sells), now, None))
        elif found[2] == values and (found[1], found[4]) == (sells, sale.stopped(key)):
            summary.unchanged += 1
        else:
            updates.append((*values, *sale(key, sells), now, found[0]))
            summary.changed += 1
            _note_change(summary, row, found[2][0], values[0])
        if index % PROGRESS_STEP == 0:
            progress(PROGRESS_STEP)
    progress(len(rows) % PROGRESS_STEP)
    inserts = _inserts(new, existing, summary, sale, now) if existing else new
    summary.added = len(inserts)
    gone, ending, ended = absent_rows(left_out(existing, seen, rows, summary), seen, rows,
                                  sale, now, day)
    summary.end_of_sale = sum(1 for row in rows if at_end_of_sale(row.tags))
    summary.no_longer_listed, summary.ending = len(gone), len(ending)
    summary.endings = describe_endings(ended)
    _write(inserts, updates + ending, gone)


class _Sale:
    """C3: a row's (listed, list_sells, sync_stopped) in the database's form, from the
    list's word and the sync's stop of its SKU in its market (SkuMarketStop), read once."""

    def __init__(self, flag) -> None:
        self.flag = flag
        stops = SkuMarketStop.__table__.c  # Core, as every read here
        self.stops = set(db.session.execute(select(stops.sku_id, stops.market)).tuples())

    def stopped(self, key: tuple) -> bool:
        return (key[0], key[3]) in self.stops  # the key's SKU and market

    def __call__(self, key: tuple, sells: bool) -> tuple:
        stopped = self.stopped(key)
        return self.flag[sells and not stopped], self.flag[sells], self.flag[stopped]


def _inserts(new: list[tuple], existing: dict, summary: ImportSummary, sale: _Sale, now
             ) -> list[tuple]:
    """The new rows' INSERT parameters. A row replacing one of its offer keeps the
    provider's own retail price, as an edited row did when the start was not in the key,
    and its change is reported."""
    offers = _latest_per_offer(existing) if new else {}
    inserts = []
    for key, values, row in new:
        before = offers.get(key[:-1])
        stamp = (*sale(key, not at_end_of_sale(row.tags)), now)
        inserts.append((*key, *values, *stamp, before[1] if before else None))
        if before is not None:
            _note_change(summary, row, before[0][0], values[0])
    return inserts


def _latest_per_offer(existing: dict) -> dict[tuple, tuple]:
    """Offer (key less the start) → (price fields, retail price) of its listed row that
    started last: what a new dated row of the offer replaces."""
    latest: dict[tuple, tuple] = {}
    for key, (_, was_listed, values, retail, _) in existing.items():
        start = as_date(key[-1]) or date.min
        if was_listed and start >= latest.get(key[:-1], (date.min, None))[0]:
            latest[key[:-1]] = (start, (values, retail))
    return {offer: held for offer, (_, held) in latest.items()}


def _existing_prices() -> dict[tuple, tuple]:
    """Natural key → (id, sold by the list, price fields, retail price as the database
    holds them, stopped by the sync)."""
    columns = ", ".join(("id", *KEY_COLUMNS, "list_sells", *PRICE_FIELDS, "retail_price",
                         "sync_stopped"))
    found = {}
    for r in db.session.connection().exec_driver_sql(f"SELECT {columns} FROM prices"):  # noqa: S608
        found[tuple(r[1:8])] = (r[0], bool(r[8]), tuple(r[9:-2]), r[-2], bool(r[-1]))
    return found


def _note_change(summary: ImportSummary, row: PriceRow, old, new) -> None:
    if old != new:
        start = f" from {row.effective_start}" if row.effective_start else ""
        summary.changes.append(f"line {row.line}: {row.product_title} {row.sku_title} "
                               f"{row.term_duration} {row.billing_cycle} {row.market}"
                               f"{start}: {old} → {row.unit_price}")


def _write(inserts: list[tuple], updates: list[tuple], gone: list[tuple]) -> None:
    connection = db.session.connection()
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    marks = lambda n: ", ".join([mark] * n)  # noqa: E731
    insert_columns = (*KEY_COLUMNS, *PRICE_FIELDS, *SALE_COLUMNS, "updated_at",
                      "retail_price")
    sets = ", ".join(f"{name} = {mark}" for name in (*PRICE_FIELDS, *SALE_COLUMNS,
                                                      "updated_at"))
    # Only our own column names are formatted in; every value is a bound parameter.
    statements = (
        (f"INSERT INTO prices ({', '.join(insert_columns)}) "  # noqa: S608
         f"VALUES ({marks(len(insert_columns))})", inserts),
        (f"UPDATE prices SET {sets} WHERE id = {mark}", updates),  # noqa: S608
        (f"UPDATE prices SET listed = {mark}, list_sells = {mark}, "  # noqa: S608
         f"updated_at = {mark} "
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
