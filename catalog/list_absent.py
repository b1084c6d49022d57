"""The listed prices a new price list leaves out (catalog.importer): which it unlists,
which it gives an end instead, and which it keeps.

A row absent from a new file is kept but marked no longer listed, so past orders still
point at their prices and the shop stops offering them; except rows the file does not yet
replace: a row still selling until its offer's row in the file starts, and a row that
starts later than the file's own (a current list says nothing of next month's). An offer
missing from a list of next month's prices sells until that list starts. A file with
invalid lines unlists and ends nothing, and a file unlists only in the markets it has
lines for.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from catalog.effective import today
from catalog.models import Product, Sku
from persistence import db

if TYPE_CHECKING:  # the importer's own summary; it imports this module
    from catalog.importer import ImportSummary


class FileStarts:
    """The file's start dates: the earliest per offer (key less the start) of the offers
    asked about, and the latest of all (the day the list is for)."""

    def __init__(self, seen: set, rows, offers: set) -> None:
        self.per_offer: dict[tuple, date] = {}
        for key in seen:
            if (offer := key[:-1]) in offers:
                start = as_date(key[-1]) or date.min
                self.per_offer[offer] = min(self.per_offer.get(offer, date.max), start)
        self.latest = max((row.effective_start or date.min for row in rows), default=None)


def left_out(existing: dict, seen: set, rows, summary: ImportSummary) -> list[tuple]:
    """The listed rows the file leaves out that it may unlist or end: none when lines
    were invalid, and only those of the markets the file has lines for."""
    absent = [(key, held) for key, held in existing.items() if held[1] and key not in seen]
    if not absent:
        return []
    markets = {row.market for row in rows}
    summary.markets = sorted(markets)
    mentioned = [(key, held) for key, held in absent if key[3] in markets]
    summary.kept_other_markets = len(absent) - len(mentioned)
    return [] if summary.invalid_lines else mentioned


def absent_rows(absent: list[tuple], seen: set, rows, sale, now, day
                ) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """Of the listed rows the file leaves out: (those no longer listed, those given an end
    instead, and the latter's keys with their last day). Kept: a row that starts after
    every row of the file (the file speaks of an earlier month), and one the file's row of
    its offer has not yet replaced (it sells until that row starts). A row of an offer the
    file leaves out sells, when the file is next month's list, until that list starts.
    `sale` gives a row's sale flags in the database's form (catalog.importer's _Sale)."""
    if not absent:  # an unchanged or first import: no pass over the file's starts
        return [], [], []
    starts = FileStarts(seen, rows, {key[:-1] for key, _ in absent})
    on, gone, ending, ended = today(), [], [], []
    latest = starts.latest or date.min
    for key, (price_id, _, values, _, _) in absent:
        start = as_date(key[-1]) or date.min
        replaced_from = starts.per_offer.get(key[:-1])
        if start > latest:
            continue
        if replaced_from is not None:
            if replaced_from > max(on, start):
                continue
        elif latest > on:
            ends = latest - timedelta(days=1)
            if (as_date(values[-1]) or date.max) > ends:
                ending.append((*values[:-1], day[ends], *sale(key, True), now, price_id))
                ended.append((key, ends))
            continue
        gone.append((sale.flag[False], sale.flag[False], now, price_id))  # the sync's stays
    return gone, ending, ended


def describe_endings(ended: list[tuple]) -> list[str]:
    """Each offer the new list leaves out, in the words of a changed price's line."""
    if not ended:
        return []
    titles = dict(db.session.execute(
        select(Sku.id, Product.title + " " + Sku.title).join(Product)
        .where(Sku.id.in_({key[0] for key, _ in ended}))).all())
    return sorted(f"{titles.get(sku_id, sku_id)} {term} {cycle} {market}: not in the new "
                  f"list, sold until {ends}"
                  for (sku_id, term, cycle, market, *_), ends in ended)


def as_date(value) -> date | None:
    """A date as _existing_prices or _InDatabaseForm hold it (text on SQLite)."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)
