"""The figures the home dashboards show, for the customers a user may see.

Each function takes `customers`, a select() of the visible customers' ids
(accounts.scoping.visible_customers(user) with only Customer.id), so a reseller's figures
are counted over its own customers only, and `now`, so a test can fix the moment.

Monthly recurring revenue (MRR) counts active, recurring subscriptions: a monthly plan's
price × licenses, an annual one's ÷ 12 (a triennial's ÷ 36), summed exactly per currency
and rounded once by the one rule (persistence.money.round_money). "Cost" is what the buyer
pays the provider (the order line's unit price: cost plus the reseller's markup); "retail"
is the end customer's price the billing ledger records beside it (the provider's retail
price, else Microsoft's estimated retail). Perpetual software and one-time purchases
recur never and are left out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from catalog.models import Price
from commitments.enrollment import Status as EnrollmentStatus
from commitments.records.models import Enrollment
from orders.models import Order, OrderLine, needs_a_person
from persistence import as_utc, db
from persistence.money import round_money
from subscriptions import rules
from subscriptions.models import Subscription
from subscriptions.services import buyer_unit_price, price_of, running_unit

RENEWAL_WINDOWS = (30, 60, 90)
NOT_RECURRING = rules.NO_TERM


@dataclass(frozen=True)
class Recurring:
    """One currency's monthly recurring revenue, at the buyer's cost and at retail."""

    currency: str
    cost: Decimal
    retail: Decimal | None  # None when no subscription in it has a retail price

    @property
    def margin(self) -> Decimal | None:
        return None if self.retail is None else self.retail - self.cost


@dataclass(frozen=True)
class Renewal:
    subscription: Subscription
    ends: datetime
    within: int  # the smallest window (30, 60 or 90 days) it falls in


@dataclass(frozen=True)
class ClosingWindow:
    subscription: Subscription
    closes: datetime


def _active(customers: Select) -> Select:
    return select(Subscription).where(Subscription.customer_id.in_(customers),
                                      Subscription.status == "active")


def active_count(customers: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(_active(customers).subquery()))


def monthly_recurring(customers: Select) -> list[Recurring]:
    """MRR per currency, alphabetically (see the module's policy)."""
    query = (_active(customers).where(Subscription.family.not_in(NOT_RECURRING),
                                      Subscription.billing_cycle != "one_time")
             .add_columns(OrderLine.unit_price, OrderLine.currency, Price)
             .outerjoin(OrderLine, OrderLine.id == Subscription.order_line_id)
             .outerjoin(Price, Price.id == OrderLine.price_id))
    return summed(_monthly(row) for row in db.session.execute(query))


def _monthly(row) -> tuple[str, Decimal, Decimal | None]:
    """One subscription's (currency, monthly cost, monthly retail), unrounded."""
    sub, unit, currency, price = row
    if unit is None:  # mirrored from Partner Center, never ordered here: the catalog's price
        price = price_of(sub)
        unit, currency = buyer_unit_price(sub, price), price.currency if price else "USD"
    # R1: a renewed term costs what billing charges it, the renewal's price
    unit = running_unit(sub, unit)
    retail = running_unit(sub, price.sell_price if price is not None else None, retail=True)
    months = Decimal(rules.cycle_months(sub.billing_cycle))
    retail = Decimal(retail) * sub.quantity / months if retail is not None else None
    return currency, Decimal(unit) * sub.quantity / months, retail


def summed(amounts: Iterable[tuple[str, Decimal, Decimal | None]]) -> list[Recurring]:
    """(currency, cost, retail)s summed exactly per currency, then rounded once each."""
    cost: dict[str, Decimal] = {}
    retail: dict[str, Decimal] = {}
    for currency, amount, at_retail in amounts:
        cost[currency] = cost.get(currency, Decimal(0)) + amount
        if at_retail is not None:
            retail[currency] = retail.get(currency, Decimal(0)) + at_retail
    return [Recurring(c, round_money(cost[c], c),
                      round_money(retail[c], c) if c in retail else None)
            for c in sorted(cost)]


def renewals(customers: Select, now: datetime) -> list[Renewal]:
    """Active subscriptions whose term ends within 90 days (renewing or, autorenew off,
    ending), soonest first, each with the smallest of the 30/60/90-day windows it falls
    in."""
    last = now + timedelta(days=RENEWAL_WINDOWS[-1])
    query = (_active(customers).where(Subscription.family.not_in(NOT_RECURRING),
                                      Subscription.term_end >= now,
                                      Subscription.term_end <= last)
             .options(selectinload(Subscription.customer)).order_by(Subscription.term_end))
    found = []
    for sub in db.session.scalars(query):
        ends = as_utc(sub.term_end)
        within = next(days for days in RENEWAL_WINDOWS if ends <= now + timedelta(days=days))
        found.append(Renewal(sub, ends, within))
    return found


@dataclass(frozen=True)
class WindowCount:
    """Within one window: how many renew, and how many end (autorenew off, R3)."""

    renews: int
    ends: int


def renewal_counts(found: list[Renewal]) -> dict[int, WindowCount]:
    """How many renew and how many end within each window; a 30-day one counts in 60 and
    90 as well. A term with autorenew off ends: counting it as a renewal would promise
    revenue the list beside it says is going."""
    return {days: WindowCount(
        sum(1 for r in found if r.within <= days and r.subscription.autorenew),
        sum(1 for r in found if r.within <= days and not r.subscription.autorenew))
        for days in RENEWAL_WINDOWS}


def cancel_windows_closing(customers: Select, now: datetime,
                           within: timedelta = timedelta(hours=24)) -> list[ClosingWindow]:
    """Subscriptions still inside their cancellation window (S3: 168 hours from the term's
    start; S6: 30 days from a perpetual purchase) whose window closes within `within`."""
    query = (_active(customers)
             .where(func.coalesce(Subscription.term_start, Subscription.purchased_at)
                    > now - rules.PERPETUAL_WINDOW)
             .options(selectinload(Subscription.customer), selectinload(Subscription.product)))
    closing = []
    for sub in db.session.scalars(query):
        closes = _window_closes(sub)
        if sub.product.cancellable and now < closes <= now + within:
            closing.append(ClosingWindow(sub, closes))
    return sorted(closing, key=lambda c: c.closes)


def _window_closes(sub: Subscription) -> datetime:
    if sub.family == rules.PERPETUAL:
        return as_utc(sub.purchased_at) + rules.PERPETUAL_WINDOW
    return rules.cancel_closes(as_utc(sub.term_start) or as_utc(sub.purchased_at),
                               as_utc(sub.cancellation_allowed_until))


def needing_attention(customers: Select | None, limit: int = 10) -> tuple[int, list[Order]]:
    """How many orders need a person (orders.models.needs_a_person), and the oldest-updated
    first few (the queue's head)."""
    query = select(Order).where(needs_a_person())
    if customers is not None:
        query = query.where(Order.customer_id.in_(customers))
    count = db.session.scalar(select(func.count()).select_from(query.subquery()))
    head = db.session.scalars(query.options(selectinload(Order.customer),
                                            selectinload(Order.reseller))
                              .order_by(Order.updated_at, Order.id).limit(limit)).all()
    return count, list(head)


def orders_since(start: datetime) -> list[Order]:
    """Every order placed since `start` (the viewer's midnight), newest first."""
    return list(db.session.scalars(select(Order).where(Order.created_at >= start)
                                   .options(selectinload(Order.customer))
                                   .order_by(Order.id.desc())))


def orders_per_day(first: date, last: date, day_of) -> list[tuple[date, int]]:
    """Orders placed on each day from `first` to `last`, zeros included; `day_of` turns a
    stored moment into the viewer's calendar day."""
    # A day early in UTC, so the first day of any time zone is inside the read.
    start = datetime.combine(first - timedelta(days=1), time(), tzinfo=UTC)
    placed = db.session.scalars(select(Order.created_at).where(Order.created_at >= start))
    counts = Counter(day_of(moment) for moment in placed)
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return [(day, counts.get(day, 0)) for day in days]


def ending_subscriptions(now: datetime, days: int = 30) -> list[Subscription]:
    """Subscriptions that end (autorenew off) within `days`: the provider's expiring items."""
    query = (select(Subscription).where(Subscription.status == "active",
                                        Subscription.family.not_in(NOT_RECURRING),
                                        Subscription.autorenew.is_(False),
                                        Subscription.term_end >= now,
                                        Subscription.term_end <= now + timedelta(days=days))
             .options(selectinload(Subscription.customer)).order_by(Subscription.term_end))
    return list(db.session.scalars(query))


def ending_enrollments(today: date, days: int = 90) -> list[Enrollment]:
    """Active OSPA enrollments whose three-year term ends within `days`."""
    query = (select(Enrollment).where(Enrollment.status == EnrollmentStatus.ACTIVE,
                                      Enrollment.end >= today,
                                      Enrollment.end <= today + timedelta(days=days))
             .options(selectinload(Enrollment.customer)).order_by(Enrollment.end))
    return list(db.session.scalars(query))
