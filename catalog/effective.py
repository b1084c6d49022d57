"""Which price-list row sells on a day (Microsoft's EffectiveStartDate and EffectiveEndDate).

Microsoft's license-based (new commerce) price list dates every row: it sells from its
EffectiveStartDate through its EffectiveEndDate, and Partner Center publishes next month's
list ahead of the month (the pricesheets API's `timeline=future`). So one offer (a SKU's
term, billing cycle, market, currency and tier) may hold several rows: today's and the
one that replaces it on its start date.

The policy, in one place (`selling`): a row sells on the days from its start through its
end, both included, in UTC (no start: since always; no end: until further notice). Of one
offer's rows that sell on a day, the latest to have started is the one sold; an offer none
of whose rows sells that day is not sold. So a row imported early waits for its start
date, takes over on it with no re-import, and a row past its end sells no more (its newer
row, if there is one, does).

Catalog pages are cached per worker under the catalog versions (catalog/cache.py), which
only writes raise. A row starting or ending changes what sells with no write, so the
caches also key by `price_day`: the latest day on or before today on which some listed
row started or ended. It changes only on those days, and is found with a date comparison
against the listed rows' dates, read once per worker and listing version.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from typing import NamedTuple, Protocol, TypeVar

from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.orm import Session, aliased, joinedload

from catalog.cache import listing_fact
from catalog.models import Price, Product, Sku
from persistence import utcnow

# Before every dated row: the price day of a catalog whose rows carry no dates.
BEFORE_ANY = date.min


class Dated(Protocol):
    sku_id: int
    term_duration: str
    billing_cycle: str
    market: str
    currency: str
    tier_min: int
    effective_start: date | None
    effective_end: date | None


class Tiered(Protocol):
    tier_min: int
    tier_max: int | None


R = TypeVar("R", bound=Dated)


def today() -> date:
    """The day prices are chosen for: today in UTC, as Microsoft dates its price list."""
    return utcnow().date()


# What one offer's rows share: all of the price list's natural key but the start.
OFFER = ("sku_id", "term_duration", "billing_cycle", "market", "currency", "tier_min")


def offer_key(row: Dated) -> tuple:
    """The offer a row prices (OFFER)."""
    return (row.sku_id, row.term_duration, row.billing_cycle, row.market, row.currency,
            row.tier_min)


# Tiers: Microsoft's price list may price one offer in rows by licence count
# (PricingTierRangeMin..PricingTierRangeMax, both included; no maximum: and up). A row prices
# only the quantities within its range, so a line is priced by the row whose range holds
# its quantity, and a quantity no row's range holds is not sold at that term (S2).
def fits_tier(row: Tiered, quantity: int) -> bool:
    """Whether `row`'s tier prices `quantity` licences."""
    return row.tier_min <= quantity and (row.tier_max is None or quantity <= row.tier_max)


def tier_for(rows: Sequence[R], quantity: int) -> R | None:
    """Of one offer's rows selling on a day (one per tier), the one that prices `quantity`."""
    return next((row for row in rows if fits_tier(row, quantity)), None)


def tier_or_lowest(rows: Sequence[R], quantity: int) -> R:
    """Of one offer's rows (one per tier), the one that prices `quantity`, else the lowest
    tier: what a subscription we did not sell, whose licences no tier prices, is read at."""
    ordered = sorted(rows, key=lambda row: row.tier_min)
    return tier_for(ordered, quantity) or ordered[0]


def is_tiered(row: Tiered) -> bool:
    """Whether the row prices only part of the quantities (the common row prices 1 and up)."""
    return row.tier_min > 1 or row.tier_max is not None


def tier_words(row: Tiered) -> str:
    """The row's range as the shop and cart say it: "1–300 licenses", "301+ licenses"."""
    if row.tier_max is None:
        return f"{row.tier_min:,}+ licenses"
    if row.tier_max == row.tier_min:
        return f"{row.tier_min:,} license" + ("" if row.tier_min == 1 else "s")
    return f"{row.tier_min:,}–{row.tier_max:,} licenses"


def in_window(start: date | None, end: date | None, day: date) -> bool:
    """Whether a row dated start..end (both included, None open) may sell on `day`."""
    return (start is None or start <= day) and (end is None or day <= end)


def selling(rows: Sequence[R], day: date) -> list[R]:
    """Of each offer among `rows`, the row sold on `day` (offers with none left out), in
    the order `rows` came in."""
    return latest_started([row for row in rows
                           if in_window(row.effective_start, row.effective_end, day)])


def latest_started(rows: Sequence[R]) -> list[R]:
    """Of each offer's rows, the latest to have started (`selling` once the rows are kept to
    the day's window, as a query's `window_filter` also does). `effective_start` may be
    read as the database holds it (ISO text on SQLite, a date on
    PostgreSQL; both order by date): of each offer's rows, the latest to have started, in
    the order `rows` came in (a shop page's price read need not turn each row's dates into
    dates, #27); most offers have one row, which this keeps as it is."""
    chosen: dict[tuple, R] = {}
    for row in rows:
        key = offer_key(row)
        held = chosen.get(key)
        if held is None or (row.effective_start is not None and (
                held.effective_start is None or row.effective_start > held.effective_start)):
            chosen[key] = row
    if len(chosen) == len(rows):
        return list(rows)
    kept = {id(row) for row in chosen.values()}
    return [row for row in rows if id(row) in kept]


def window_filter(day: date) -> list:
    """`in_window` as SQL conditions on prices: narrows a read before `selling` chooses."""
    return [or_(Price.effective_start.is_(None), Price.effective_start <= day),
            or_(Price.effective_end.is_(None), Price.effective_end >= day)]


def price_day(session: Session, listing_version: int, day: date | None = None) -> date:
    """The latest day on or before `day` (today) on which a listed row started or ended
    (BEFORE_ANY if none): what sells is the same on every day from it to `day`, so caches
    keyed by it roll over exactly when a row starts or ends (no query once the worker has
    read this listing version's dates)."""
    changes = listing_fact(listing_version, ("price days",), lambda: _change_days(session))
    at = bisect_right(changes, day or today())
    return changes[at - 1] if at else BEFORE_ANY


def _change_days(session: Session) -> tuple[date, ...]:
    """Every day on which a listed row starts selling or stops (the day after its end)."""
    found = session.connection().execute(
        select(Price.effective_start, Price.effective_end).where(Price.listed.is_(True))
        .distinct()).all()
    days = {start for start, _ in found if start is not None}
    days |= {end + timedelta(days=1) for _, end in found if end is not None and end < date.max}
    return tuple(sorted(days))


def selling_row(session: Session, price: Price, day: date | None = None,
                quantity: int | None = None) -> Price | None:
    """The listed row of `price`'s offer sold on `day` (today): itself, the row that took
    over from it, or None when its offer sells no row that day. With a quantity, of the
    offer's tiers the one that prices it (None: none does); without, `price`'s own tier."""
    return asked_and_selling(session, price.id, day, quantity)[1]


def asked_and_selling(session: Session, price_id: int, day: date | None = None,
                      quantity: int | None = None) -> tuple[Price | None, Price | None]:
    """The price with this id (None: no such row) and the listed row of its offer sold on
    `day` (today; None: none) for `quantity` licences (selling_row), with their SKU and
    product, in one statement."""
    asked, tiers = asked_and_tiers(session, price_id, day)
    if asked is None:
        return None, None
    if quantity is None:
        return asked, next((row for row in tiers if row.tier_min == asked.tier_min), None)
    return asked, tier_for(tiers, quantity)


def asked_and_tiers(session: Session, price_id: int, day: date | None = None
                    ) -> tuple[Price | None, list[Price]]:
    """The price with this id and the rows of its offer, one per tier, sold on `day`
    (today), lowest tier first, in one statement."""
    rows = session.scalars(_offer_rows(), {"price_id": price_id}).all()
    asked = next((row for row in rows if row.id == price_id), None)
    found = selling([row for row in rows if row.listed], day or today())
    return asked, sorted(found, key=lambda row: row.tier_min)


@cache  # built on first use, when every model is mapped
def _offer_rows():
    """The row asked for and the listed rows of its offer, in every tier."""
    asked = aliased(Price)
    same_offer = and_(*(getattr(Price, name) == getattr(asked, name) for name in OFFER
                        if name != "tier_min"))
    return (select(Price).join(asked, same_offer)
            .where(asked.id == bindparam("price_id"),
                   or_(Price.listed.is_(True), Price.id == asked.id))
            .options(joinedload(Price.sku).joinedload(Sku.product)))


def when_sold(prices: Sequence[Price], day: date | None = None) -> dict[int, str]:
    """Each price's id → when it sells, in words for the admin: today (until its end),
    from its start, ended, replaced by a newer row, or no longer listed."""
    day = day or today()
    sold = {row.id for row in selling([p for p in prices if p.listed], day)}
    return {p.id: _when(p, p.id in sold, day) for p in prices}


def _when(price: Price, sold: bool, day: date) -> str:
    if not price.listed:  # C3: say whose word it is, as the sources lift only their own
        return "no longer listed" if not price.sync_stopped else (
            "stopped by the Partner Center sync" if price.list_sells
            else "no longer listed; stopped by the Partner Center sync")
    if sold:
        return f"today, until {price.effective_end}" if price.effective_end else "today"
    if price.effective_start is not None and price.effective_start > day:
        return f"from {price.effective_start}"
    if price.effective_end is not None and price.effective_end < day:
        return f"ended {price.effective_end}"
    return "replaced by a newer row"


class Upcoming(NamedTuple):
    """A listed row that starts after today, as the admin's catalog page lists it."""

    product_id: int
    product_title: str
    sku_title: str
    market: str
    currency: str
    term_duration: str
    billing_cycle: str
    unit_price: Decimal
    erp_price: Decimal
    effective_start: date
    effective_end: date | None


def upcoming(session: Session, day: date | None = None, limit: int = 200
             ) -> tuple[int, tuple[Upcoming, ...]]:
    """How many listed rows start after `day` (today), and the first `limit` of them,
    soonest first: what the price list has announced and nobody is sold yet."""
    after = Price.effective_start > (day or today())
    total = session.scalar(select(func.count()).select_from(Price).where(
        Price.listed.is_(True), after)) or 0
    found = session.execute(
        select(Product.id, Product.title, Sku.title, Price.market, Price.currency,
               Price.term_duration, Price.billing_cycle, Price.unit_price, Price.erp_price,
               Price.effective_start, Price.effective_end)
        .join(Sku, Price.sku_id == Sku.id).join(Product, Sku.product_id == Product.id)
        .where(Price.listed.is_(True), after)
        .order_by(Price.effective_start, Product.title, Sku.title, Price.market,
                  Price.term_duration, Price.billing_cycle).limit(limit)).all()
    return total, tuple(Upcoming(*row) for row in found)
