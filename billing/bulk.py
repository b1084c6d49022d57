"""B1 at scale: the month's cycle charges of plain subscriptions in one INSERT … SELECT.

A plain subscription renews (autorenew on, not ended or cancelled), has its order line's
price, had no seat change this month, was not renewed this month and is not perpetual
software; its cycle charge is its unit price × today's seats, over a cycle fixed by its
anchor day and plan. Until its first renewal the unit price is its order line's and the
anchor its purchase day; from a renewal begun before this month, the price recorded for the
renewed term (R1, subscriptions.sync) and the renewal's day. So Python works out each
distinct (anchor day, billing cycle, term) once, into a temporary
calendar table of a few thousand rows at most however many subscriptions there are, and the
database writes every plain subscription's charge by joining it: no row of them passes
through Python, and memory stays flat. Everything else is charged row by row
(billing.charges), by the same cycle rule (`cycle_in_month`).

The amount is billing's one rule for a charge line (persistence.money.charge_amount): the
exact product cut toward zero to the currency's minor unit. For a full cycle it is exact
in SQL too: NUMERIC `trunc` on PostgreSQL; on SQLite, where Money is text, integer
arithmetic in ten-thousandths (Money's scale), written back as Money's text.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from functools import lru_cache
from typing import NamedTuple

from babel.numbers import get_currency_precision, list_currencies
from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Index,
    MetaData,
    Numeric,
    String,
    Table,
    and_,
    case,
    cast,
    distinct,
    exists,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from accounts.models import Customer
from billing.billed import ENDED, NOT_BILLED
from billing.billed_history import SEAT_CHANGES, midnight
from billing.models import Charge
from catalog.models import Price
from orders.models import OrderLine
from persistence import db, utcnow
from subscriptions import rules
from subscriptions.models import Subscription, SubscriptionEvent
from subscriptions.seen_changes import KEPT


class Cycle(NamedTuple):
    kind: str
    start: date
    end: date  # inclusive


CALENDAR = Table(
    "billing_cycle_calendar", MetaData(),
    Column("purchased_on", Date, nullable=False),  # the anchor day (`_anchor_day`)
    Column("billing_cycle", String(10), nullable=False),
    Column("term_duration", String(10), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("source_day", String(10), nullable=False),  # period_start as YYYY-MM-DD
    # Each subscription finds its row by this key: without the index, a scan per row.
    Index("ix_billing_cycle_calendar_key", "purchased_on", "billing_cycle", "term_duration",
          unique=True),
    prefixes=["TEMPORARY"])


def plain(first: date):
    """The condition on a subscription row (joined to its order line) that its cycle charge
    this month is the bulk one; the row-by-row code takes the rest (`~plain(first)`)."""
    # One probe of the subscription's events: a cancellation, seats billed after their
    # removal (KEPT), or a seat change this month.
    seat_change_or_cancel = exists().where(
        SubscriptionEvent.subscription_id == Subscription.id,
        or_(SubscriptionEvent.kind.in_(("cancel", KEPT)),
            and_(SubscriptionEvent.kind.in_(SEAT_CHANGES),
                 SubscriptionEvent.at >= midnight(first))))
    return and_(
        Subscription.autorenew.is_(True), Subscription.status.not_in(NOT_BILLED + ENDED),
        Subscription.family != rules.PERPETUAL, Subscription.billing_cycle != "one_time",
        Subscription.quantity >= 0, OrderLine.id.is_not(None),
        # R6: a shortened first term, row by row, until a renewal ended it.
        or_(OrderLine.custom_term_end.is_(None), _renewed_before(first)),
        # R1: the month a renewal begins in (the bought and renewed terms meet), row by row.
        or_(Subscription.renewed_on.is_(None), _renewed_before(first)),
        _unit().is_not(None), cast(_unit(), Numeric(14, 4)) >= 0,
        ~seat_change_or_cancel)


def _renewed_before(first: date):
    """Renewed before the month began (NULL-safe: false when never renewed)."""
    return and_(Subscription.renewed_on.is_not(None), Subscription.renewed_on < first)


def _unit():
    """The unit price its cycles are charged at: the renewed term's once renewed (R1), else
    its order line's."""
    return func.coalesce(Subscription.renewed_unit_price, OrderLine.unit_price)


def _plain_rows(first: date, last: date):
    return (select().select_from(Subscription)
            .join(Customer, Customer.id == Subscription.customer_id)
            .join(OrderLine, OrderLine.id == Subscription.order_line_id)
            .outerjoin(Price, Price.id == OrderLine.price_id)
            .where(plain(first), Subscription.purchased_at < midnight(last + timedelta(days=1))))


def insert_cycle_charges(month: str, first: date, until: date,
                         cycle_in_month: Callable[..., Cycle | None]) -> None:
    """Add the cycle charges starting this month, up to `until`, of every plain
    subscription (ON CONFLICT (source) DO NOTHING: safe to repeat); the caller commits."""
    connection = db.session.connection()
    CALENDAR.drop(connection, checkfirst=True)
    CALENDAR.create(connection)
    try:
        rows = _calendar(first, until, cycle_in_month)
        if rows:
            connection.execute(CALENDAR.insert(), rows)
            connection.execute(_insert(connection.dialect.name, month, first, until))
    finally:
        CALENDAR.drop(connection)


def _anchor_day(dialect: str):
    """The day a plain subscription's cycles count from: its latest renewal's (R1), else
    its purchase day, UTC (SQLite keeps naive UTC text)."""
    if dialect == "postgresql":
        bought = cast(func.timezone("UTC", Subscription.purchased_at), Date)
    else:
        bought = func.date(Subscription.purchased_at, type_=Date)
    return func.coalesce(Subscription.renewed_on, bought, type_=Date)


def _calendar(first: date, until: date, cycle_in_month) -> list[dict]:
    """One row per distinct (anchor day, billing cycle, term) of plain subscriptions
    whose cycle starts this month: what its charge is for."""
    dialect = db.session.get_bind().dialect.name
    day = _anchor_day(dialect)
    keys = db.session.execute(_plain_rows(first, until).with_only_columns(
        distinct(day), Subscription.billing_cycle, Subscription.term_duration)
        .order_by(None))
    rows = []
    for purchased_on, billing_cycle, term_duration in keys:
        months = rules.cycle_months(billing_cycle)
        cycle = cycle_in_month(purchased_on, months, rules.TERM_MONTHS.get(term_duration, months),
                               False, first, until)
        if cycle is not None:
            rows.append({"purchased_on": purchased_on, "billing_cycle": billing_cycle,
                         "term_duration": term_duration, "kind": cycle.kind,
                         "period_start": cycle.start, "period_end": cycle.end,
                         "source_day": cycle.start.isoformat()})
    return rows


def _insert(dialect: str, month: str, first: date, until: date):
    cal = CALENDAR.c
    unit = _unit()
    retail = case((Customer.reseller_id.is_not(None), func.coalesce(
        Subscription.renewed_retail_unit_price, Price.retail_price, Price.erp_price)),
        else_=None)
    source = literal("sub:") + cast(Subscription.id, String) + literal(":") + cal.source_day
    rows = _plain_rows(first, until).join(CALENDAR, and_(
        cal.purchased_on == _anchor_day(dialect),
        cal.billing_cycle == Subscription.billing_cycle,
        cal.term_duration == Subscription.term_duration)).with_only_columns(
        source, Customer.reseller_id, Subscription.customer_id, Subscription.id,
        Subscription.order_line_id, func.coalesce(Subscription.pc_subscription_id, ""),
        cal.kind, func.substr(Subscription.title, 1, 300), Subscription.quantity, unit, retail,
        unit, _amount(dialect), OrderLine.currency,
        func.coalesce(func.nullif(Price.market, ""), Customer.country), cal.period_start,
        cal.period_end, literal(month, String), literal(utcnow(), DateTime(timezone=True)))
    columns = ("source", "buyer_reseller_id", "customer_id", "subscription_id",
               "order_line_id", "pc_subscription_id", "charge_type", "description", "quantity",
               "unit_price", "retail_unit_price", "effective_unit_price", "amount", "currency",
               "market", "period_start", "period_end", "billing_month", "created_at")
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return (insert(Charge.__table__).from_select(columns, rows)
            .on_conflict_do_nothing(index_elements=["source"]))


def _amount(dialect: str):
    """The unit price × seats, cut toward zero to the currency's minor unit."""
    places = _places()
    if dialect == "postgresql":
        return func.trunc(_unit() * Subscription.quantity, places)
    # Ten-thousandths as integers: exact, and SQLite's integer division cuts toward zero.
    ten_thousandths = cast(func.round(cast(_unit(), Numeric) * 10000),
                           db.Integer) * Subscription.quantity
    step = _step(places)
    cut = ten_thousandths // step * step  # all non-negative (`plain`): floor is the cut
    return func.printf("%d.%04d", cut // 10000, cut % 10000)


def _places():
    """The currency's minor-unit decimals (2 unless Babel says otherwise)."""
    odd = _odd_precisions()
    if not odd:
        return literal(2)
    return case(odd, value=OrderLine.currency, else_=2)


def _step(places):
    """10 ** (4 - places) for places 0…4, in SQL."""
    return case({0: 10000, 1: 1000, 2: 100, 3: 10}, value=places, else_=1)


@lru_cache(maxsize=1)
def _odd_precisions() -> dict[str, int]:
    """Currencies whose minor unit is not the cent (JPY 0, KWD 3, …)."""
    found = {}
    for code in list_currencies():
        places = get_currency_precision(code)
        if places != 2:
            found[code] = places
    return found
