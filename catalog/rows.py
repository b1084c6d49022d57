"""Precomputed catalog rows: the product list of every market, and listed prices.

A catalog page not yet cached (each reseller × market × search × page is its own listing)
used to ask the database for the matching products, their count and their prices: with
5,000 products that was a scan of the market's prices twice per view (#27). The rows here
are read once per worker and version instead — every product in title order, and per
market the products that have a listed price there — so a cold page filters and slices a
list in memory and reads only its own page's prices.

They can never be stale: the product lists are cached under the listing version, which
every write to products, SKUs and where prices are listed raises; the prices under the
catalog version, which every catalog write raises (amounts, markups, settings and the
price-list import alike), each in the write's own transaction (catalog/version.py). Both
are also keyed by the price day (catalog/effective.py), which moves when a price-list row
starts or ends with no write at all.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from operator import itemgetter
from typing import NamedTuple

from sqlalchemy import String, bindparam, func, select, type_coerce
from sqlalchemy.orm import Session

from catalog import effective
from catalog.cache import listing_fact, product_fact, search_fact
from catalog.models import CatalogSettings, Price, Product, Sku
from catalog.version import Versions, both


@dataclass(frozen=True, slots=True)
class ProductRow:
    """What a listing shows of a product (the shop's offers, the admin's table)."""

    id: int
    title: str
    pc_product_id: str
    publisher: str
    segment: str
    family: str
    enabled: bool
    listed: bool
    discontinued: bool
    end_of_sale: bool  # C3 from either source (Product.end_of_sale)
    list_ended: bool  # C3: the price list's own word
    sync_ended: bool  # C3: the Partner Center sync's own word
    # Lower-cased title and Partner Center id: what the search box matches.
    haystack: str

    @property
    def sellable(self) -> bool:
        return self.enabled and self.listed and not (self.discontinued or self.end_of_sale)


@dataclass(frozen=True)
class RowPage:
    """One page of rows, with what the pager macro reads (as Flask-SQLAlchemy's Pagination)."""

    items: Sequence[ProductRow]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(math.ceil(self.total / self.per_page), 1) if self.total else 0

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None


PRODUCT_COLUMNS = (Product.id, Product.title, Product.pc_product_id, Product.publisher,
                   Product.segment, Product.family, Product.enabled, Product.listed,
                   Product.discontinued, Product.end_of_sale, Product.list_ended,
                   Product.sync_ended)


def all_products(session: Session, listing_version: int) -> tuple[ProductRow, ...]:
    """Every product in title order (ties by id), read once per listing version."""
    return listing_fact(listing_version, ("rows",), lambda: _read_products(session))


def _read_products(session: Session) -> tuple[ProductRow, ...]:
    rows = session.connection().execute(select(*PRODUCT_COLUMNS)).all()  # no ORM work
    return tuple(sorted(
        (ProductRow(*row, haystack=f"{row.title}\n{row.pc_product_id}".lower())
         for row in rows), key=lambda row: (row.title, row.id)))


def read_ahead(session: Session) -> None:
    """Read what a worker's first view of each market would: every product, every SKU's
    name and each market's sellable products (at the current annual switch), under the
    listing version. Run as a worker starts (deploy/gunicorn.conf.py), before it takes
    requests: a worker's first view of a market took 70-270 ms to read them (#27). Later
    listing changes are read by the first view after them, as ever."""
    listing = both(session).listing
    annual = CatalogSettings.current().annual_sellable
    sku_names(session, listing)
    day = effective.price_day(session, listing)
    for market in session.scalars(select(Price.market).where(Price.listed.is_(True))
                                  .distinct()):
        shop_rows(session, listing, market, annual_sellable=annual, day=day)


def found_in(listing_version: int, rows: Sequence[ProductRow], list_key: tuple,
             **filters: str) -> Sequence[ProductRow]:
    """`matching(rows, **filters)`, kept per worker and listing version: every page of a
    search shares its matches, and matching 5,000 titles was a tenth of a page not yet
    cached (#27). `list_key` names the list `rows` is (e.g. a market's sellable products)."""
    if not any(filters.values()):
        return rows
    key = (*list_key, *sorted(filters.items()))
    return search_fact(listing_version, key, lambda: matching(rows, **filters))


def shop_rows(session: Session, listing_version: int, market: str, *,
              annual_sellable: bool, day: date | None = None) -> tuple[ProductRow, ...]:
    """The products a buyer in `market` may see: sellable and with a listed price there
    that sells on `day` (the price day, effective.price_day; today's when None; annual
    billing only when C1's switches allow it), in title order."""
    day = effective.price_day(session, listing_version) if day is None else day

    def compute() -> tuple[ProductRow, ...]:
        priced = set(session.connection().execute(
            select(Sku.product_id).join(Price, Price.sku_id == Sku.id)
            .where(*price_filter(market, annual_sellable, day)).distinct()).scalars())
        return tuple(row for row in all_products(session, listing_version)
                     if row.sellable and row.id in priced)
    return listing_fact(listing_version, ("shop rows", market, annual_sellable, day), compute)


class PriceRow(NamedTuple):
    """A listed price as the shop prices it (catalog/queries.py's offers_from). A tuple: a
    page not yet cached reads ~120 of them, and a frozen dataclass took three times as long
    to build (#27)."""

    id: int
    sku_title: str
    term_duration: str
    billing_cycle: str
    currency: str
    unit_price: Decimal
    sell_price: Decimal
    market: str
    product_id: int
    # The licence counts the row prices (catalog/effective.py's tiers); most price 1 and up.
    tier_min: int = 1
    tier_max: int | None = None


def market_prices(session: Session, versions: Versions, market: str,
                  product_ids: Sequence[int], day: date | None = None
                  ) -> dict[int, tuple[PriceRow, ...]]:
    """The listed prices in `market` of these products that sell on `day` (the price day,
    today's when None: one row per offer, catalog/effective.py; annual ones included:
    callers drop them when C1 says so), by product id.

    Each product's are kept per worker and catalog version from the first page that shows
    it: a page not yet cached whose products were shown before (another search, another
    reseller in the market) reads no price at all, and one with new products reads only
    theirs, in one query (#27). An edited price outdates only its own product's
    (catalog/changes.py). Reading a whole market up front instead took ~0.4 s for 30,000
    prices, paid by the first buyer after every catalog change."""
    day = effective.price_day(session, versions.listing) if day is None else day
    known: dict[int, tuple[PriceRow, ...]] = product_fact(
        versions.catalog, ("market prices", market, day), dict)
    missing = [product_id for product_id in product_ids if product_id not in known]
    if missing:
        known.update(_read_prices(session, sku_names(session, versions.listing), market,
                                  missing, day))
    return {product_id: known[product_id] for product_id in product_ids}


def sku_names(session: Session, listing_version: int) -> dict[int, tuple[str, int]]:
    """Every SKU's title and product by id, read once per listing version (which every SKU
    write raises): a page's prices are read without joining their SKUs, a third of that
    read (#27)."""
    return listing_fact(listing_version, ("skus",), lambda: {
        sku_id: (title, product_id) for sku_id, title, product_id in
        session.connection().execute(select(Sku.id, Sku.title, Sku.product_id)).all()})


def _read_prices(session: Session, skus: dict[int, tuple[str, int]], market: str,
                 product_ids: list[int], day: date) -> dict[int, tuple[PriceRow, ...]]:
    found: dict[int, list[PriceRow]] = {product_id: [] for product_id in product_ids}
    # On the connection, all rows at once: plain rows need none of the ORM's work.
    connection, statement, read = session.connection(), _prices_statement(), []
    for start in range(0, len(product_ids), IDS_PER_READ):
        read += connection.execute(statement, _ids_read(
            market, product_ids[start:start + IDS_PER_READ], day)).all()
    if len({_offer_of(r) for r in read}) < len(read):  # an offer with two rows in the day
        read = effective.latest_started(read)
    # Unpacked by position: reading seven columns of each row by name cost a cold shop
    # page as much as reading its prices (#27).
    for price_id, sku_id, *terms, _market, tier_min, tier_max, _start in read:
        # A SKU written after this request read the listing version belongs to the
        # next version's pages, not to this one's.
        if (sku := skus.get(sku_id)) is not None:
            found[sku[1]].append(PriceRow(price_id, sku[0], *terms, market, sku[1],
                                          tier_min, tier_max))
    return {product_id: tuple(listed) for product_id, listed in found.items()}


# The offer a price read's row prices, by position (sku_id, term, billing, currency and
# tier; the market is the read's): most reads hold one row per offer, and telling so by
# position is 20 times cheaper than choosing among rows by name (#27).
_offer_of = itemgetter(1, 2, 3, 4, 8)

# A shop page's products are read IDS_PER_READ at a time through one statement with that
# many ids, not an expanding IN: SQLAlchemy renders an expanding IN's SQL again on every
# execution, which was 40 % of reading a page's prices (#27).
IDS_PER_READ = 20
_ID_NAMES = tuple(f"product_{n}" for n in range(IDS_PER_READ))


def _ids_read(market: str, product_ids: list[int], day: date) -> dict:
    """The statement's parameters; a short list repeats its last id (the IN is a set)."""
    padded = product_ids + product_ids[-1:] * (IDS_PER_READ - len(product_ids))
    return {"market": market, "day": day, **dict(zip(_ID_NAMES, padded, strict=True))}


@cache
def _prices_statement():
    """Built once (building it per page cost a sixth of running it, #27). The SKUs as a
    subquery: it lets the planner seek (market, listed, sku_id) for each SKU instead of
    scanning every price of the market."""
    skus = select(Sku.id).where(Sku.product_id.in_([bindparam(name) for name in _ID_NAMES]))
    # Named as effective.latest_started reads a row: it chooses each offer's row of the day.
    return (select(Price.id, Price.sku_id, Price.term_duration, Price.billing_cycle,
                   Price.currency, Price.unit_price,
                   func.coalesce(Price.retail_price, Price.erp_price).label("sell_price"),
                   Price.market, Price.tier_min, Price.tier_max,
                   # As stored: latest_started only orders them (no date per row).
                   type_coerce(Price.effective_start, String).label("effective_start"))
            .where(Price.sku_id.in_(skus), Price.market == bindparam("market"),
                   Price.listed.is_(True),
                   *effective.window_filter(bindparam("day", type_=Price.effective_start.type))))


def price_filter(market: str, annual_sellable: bool, day: date) -> list:
    """Listed prices in the market that may sell on `day` (catalog/effective.py); annual
    billing only when C1's two switches are on."""
    conditions = [Price.market == market, Price.listed.is_(True), *effective.window_filter(day)]
    if not annual_sellable:
        conditions.append(Price.billing_cycle != "annual")
    return conditions


STATUSES = {
    "enabled": lambda row: row.enabled and not (row.discontinued or row.end_of_sale),
    "disabled": lambda row: not row.enabled,
    "discontinued": lambda row: row.discontinued or row.end_of_sale,
    "unlisted": lambda row: not row.listed,
}


def matching(rows: Sequence[ProductRow], *, q: str = "", segment: str = "", family: str = "",
             status: str = "") -> Sequence[ProductRow]:
    """The rows a search box and its filters keep; the text matches title or Partner Center
    id in any case, and is taken literally (no wildcards), as persistence/search.py does."""
    needle = q.lower()
    keep = STATUSES.get(status)
    if not (needle or segment or family or keep):
        return rows  # no filter: the precomputed rows as they are, not a copy of 5,000
    return [row for row in rows
            if (not needle or needle in row.haystack)
            and (not segment or row.segment == segment)
            and (not family or row.family == family)
            and (keep is None or keep(row))]


def page_of(rows: Sequence[ProductRow], page: int, per_page: int) -> RowPage:
    """The `page`th slice of `rows` (past the end is empty, never an error)."""
    start = (page - 1) * per_page
    return RowPage(rows[start:start + per_page], page, per_page, len(rows))
