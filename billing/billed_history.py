"""What billing reads of a page of subscriptions' history beside their rows: the seat
changes since the month began, seats kept after their window, renewed terms before the
latest, the conversions upgrades made, and the days they were cancelled (billing.billed
streams the rows; each read here is one statement per page)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal

from sqlalchemy import func, select

from persistence import db
from subscriptions import rules
from subscriptions.conversions import Conversion, conversion_of
from subscriptions.models import RenewedTerm, SubscriptionEvent
from subscriptions.seen_changes import KEPT

# The events that change a subscription's seats, each with its "before" and "after" count:
# an R4 upgrade moves seats out of its source and into the subscription it fills.
SEAT_CHANGES = ("licenses_added", "quantity", "upgrade")


@dataclass(frozen=True, slots=True)
class EarlierTerm:
    """A renewed term before the latest renewal (subscriptions.models.RenewedTerm): its first
    day, charge cycle and term in months, and its prices (None: the order line's)."""

    began_on: date
    months: int
    term_months: int
    unit_price: Decimal | None
    retail_unit_price: Decimal | None



def midnight(day: date) -> datetime:
    """The day's first moment, UTC."""
    return datetime.combine(day, time(), tzinfo=UTC)


def utc_day(moment: datetime) -> date:
    """The UTC date of a stored timestamp (SQLite's are naive UTC; PostgreSQL's aware)."""
    return moment.date() if moment.tzinfo is None else moment.astimezone(UTC).date()


def cancellation_days(ids: set[int] | None = None) -> dict[int, date]:
    """The day each cancelled subscription (of `ids`, if given) was cancelled (its first
    cancel event), or had every licence upgraded away (R4: the conversion credits the rest
    of that cycle)."""
    rows = db.session.execute(_of(select(SubscriptionEvent.subscription_id,
                                         func.min(SubscriptionEvent.at))
                                  .where(SubscriptionEvent.kind == "cancel"), ids)
                              .group_by(SubscriptionEvent.subscription_id))
    return _emptied_by_upgrade(ids) | {sub_id: utc_day(at) for sub_id, at in rows}


def _of(query, ids: set[int] | None):
    """`query` on the events of `ids` only, if given."""
    return query if ids is None else query.where(
        SubscriptionEvent.subscription_id.in_(ids or {0}))


def _emptied_by_upgrade(ids: set[int] | None = None) -> dict[int, date]:
    """The day each subscription left without licences by an upgrade lost its last ones."""
    rows = db.session.execute(_of(
        select(SubscriptionEvent.subscription_id, SubscriptionEvent.at, SubscriptionEvent.data)
        .where(SubscriptionEvent.kind == "upgrade"), ids).order_by(SubscriptionEvent.at))
    found: dict[int, date] = {}
    for sub_id, at, data in rows:
        if data and "to" in data and data.get("after") == 0:
            found.setdefault(sub_id, utc_day(at))
    return found


def conversions(ids: list[int]) -> dict[int, Conversion]:
    """R4: of the page's subscriptions, those an upgrade made: the day it did, and the first
    day and co-termed end (R6) of the source's term it shares (subscriptions.upgrades)."""
    if not ids:
        return {}
    rows = db.session.execute(
        select(SubscriptionEvent.subscription_id, SubscriptionEvent.at, SubscriptionEvent.data)
        .where(SubscriptionEvent.subscription_id.between(ids[0], ids[-1]),
               SubscriptionEvent.kind == "upgrade"))
    return {sub_id: found for sub_id, at, data in rows
            if (found := conversion_of(at, data)) is not None}


def quantity_changes(first: date | None, ids: list[int]) -> dict[int, list[tuple]]:
    """Seat changes from this month's first day on, oldest first: they tell the count a
    cycle began with (the mirror holds only today's). Seats removed after their window
    (KEPT) left the count too; `kept_seats` bills them on top."""
    if first is None or not ids:
        return {}
    rows = db.session.execute(
        select(SubscriptionEvent.subscription_id, SubscriptionEvent.at, SubscriptionEvent.data)
        # The page's ids are ascending: a range binds two values where IN bound thousands.
        .where(SubscriptionEvent.subscription_id.between(ids[0], ids[-1]),
               SubscriptionEvent.kind.in_((*SEAT_CHANGES, KEPT)),
               SubscriptionEvent.at >= midnight(first))
        .order_by(SubscriptionEvent.at, SubscriptionEvent.id))
    found: dict[int, list[tuple]] = defaultdict(list)
    for sub_id, at, data in rows:
        if data and "before" in data:
            found[sub_id].append((utc_day(at), int(data["before"])))
    return found


def kept_seats(first: date | None, ids: list[int]
                ) -> dict[int, tuple[tuple[date, date, int], ...]]:
    """B3/S2: seats removed in Partner Center after their window stay billed until the
    term's last day, on top of those held, whatever was added or removed since (as
    Microsoft bills the term's seats and those added to them): the day each went, that
    last day and how many, whenever seen (rare: read whole)."""
    if first is None or not ids:
        return {}
    rows = db.session.execute(
        select(SubscriptionEvent.subscription_id, SubscriptionEvent.at, SubscriptionEvent.data)
        .where(SubscriptionEvent.subscription_id.between(ids[0], ids[-1]),
               SubscriptionEvent.kind == KEPT))
    found: dict[int, list[tuple[date, date, int]]] = defaultdict(list)
    for sub_id, at, data in rows:
        last_day = date.fromisoformat(data["billed_until"])
        if last_day >= first:
            found[sub_id].append((utc_day(at), last_day,
                                  int(data["before"]) - int(data["after"])))
    return {sub_id: tuple(kept) for sub_id, kept in found.items()}


def earlier_terms(first: date | None, rows) -> dict[int, tuple[EarlierTerm, ...]]:
    """The renewed terms before the latest of the page's subscriptions a run may bill in
    one: those renewed in or after the month (a month's cycles before that renewal), or
    all renewed ones when no month is given (seat changes, dated in any term)."""
    # 2: reseller_id, 15: renewed_on (_billed_query); only a reseller's re-invoice is retail
    renewed = {row[0]: (row[15], row[2]) for row in rows
               if row[15] is not None and (first is None or row[15] >= first)}
    if not renewed:
        return {}
    found: dict[int, list[EarlierTerm]] = defaultdict(list)
    for term in db.session.execute(
            select(RenewedTerm.subscription_id, RenewedTerm.began_on, RenewedTerm.billing_cycle,
                   RenewedTerm.term_duration, RenewedTerm.unit_price,
                   RenewedTerm.retail_unit_price)
            .where(RenewedTerm.subscription_id.in_(renewed))
            .order_by(RenewedTerm.subscription_id, RenewedTerm.began_on)):
        sub_id, began_on, cycle, term_duration, unit, retail = term
        renewed_on, reseller_id = renewed[sub_id]
        if began_on < renewed_on:
            months = rules.cycle_months(cycle)
            found[sub_id].append(EarlierTerm(began_on, months,
                                             rules.TERM_MONTHS.get(term_duration, months),
                                             unit, retail if reseller_id else None))
    return {sub_id: tuple(terms) for sub_id, terms in found.items()}
