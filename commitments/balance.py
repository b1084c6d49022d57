"""O5: usage draws the commitment balance down; notices at 50/75/90/100%; then overage.

Seed 000: usage is "deducted from their Monetary Commitment term's balance at their commitment
rates until the commitment balance has been exhausted. At that point, customer will be charged
as overage", notices go out "at 50%, 75%, 90% and 100%", and overage rates are "the same as the
rates charged in the commitment period". Each commitment year is its own term: its balance is
the year's initial or annual order plus additional orders for that year; each threshold is
notified once per term. A term funded with RMB 0 (true-down to zero) has no thresholds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from commitments.enrollment import term_bounds
from commitments.money import ZERO, to_money
from commitments.orders import CommitmentOrder, funded
from commitments.schedule import add_months, first_of_month

THRESHOLDS = (50, 75, 90, 100)


@dataclass(frozen=True)
class UsageRecord:
    """Usage of one meter on one day, priced at the commitment unit price (excluding tax)."""

    used_on: date
    quantity: Decimal
    unit_price: Decimal
    meter: str = ""

    @property
    def charge(self) -> Decimal:
        """The record's cost: quantity times the commitment rate, in fen."""
        return to_money(self.quantity * self.unit_price)


@dataclass(frozen=True)
class Balance:
    """A term's commitment (funded) and what usage has consumed of it (used)."""

    funded: Decimal
    used: Decimal = ZERO

    @property
    def remaining(self) -> Decimal:
        """What is left to draw; never below zero."""
        return max(self.funded - self.used, ZERO)

    @property
    def overage(self) -> Decimal:
        """Usage beyond the commitment, charged at the same rates."""
        return max(self.used - self.funded, ZERO)

    def split(self, amount: Decimal) -> tuple[Decimal, Decimal]:
        """How much of a charge the balance covers and how much is overage."""
        covered = min(amount, self.remaining)
        return covered, amount - covered

    def draw(self, amount: Decimal) -> Balance:
        """The balance after a charge; charges are never negative."""
        if amount < ZERO:
            raise ValueError("a usage charge cannot be negative")
        return Balance(self.funded, self.used + amount)


def thresholds_reached(balance: Balance) -> tuple[int, ...]:
    """The notice thresholds consumption has reached (exactly 50% reaches 50)."""
    if balance.funded <= ZERO:
        return ()
    return tuple(t for t in THRESHOLDS if balance.used * 100 >= balance.funded * t)


def newly_crossed(balance: Balance, notified: Iterable[int]) -> tuple[int, ...]:
    """Thresholds reached but not yet notified this term, lowest first."""
    done = set(notified)
    return tuple(t for t in thresholds_reached(balance) if t not in done)


@dataclass(frozen=True)
class UsageOutcome:
    """What one usage record did: the new balance, its split and the thresholds to notify."""

    balance: Balance
    from_commitment: Decimal
    overage: Decimal
    thresholds: tuple[int, ...]


def apply_usage(balance: Balance, record: UsageRecord, notified: Iterable[int]) -> UsageOutcome:
    """Draw one record from the balance and say which thresholds it newly crosses."""
    covered, overage = balance.split(record.charge)
    after = balance.draw(record.charge)
    return UsageOutcome(after, covered, overage, newly_crossed(after, notified))


def term_balance(
    start: date,
    orders: Sequence[CommitmentOrder],
    usage: Sequence[UsageRecord],
    year: int,
    as_of: date,
) -> Balance:
    """Year `year`'s balance counting orders and usage dated on or before `as_of`."""
    first, last = term_bounds(start, year)
    used = sum((r.charge for r in usage if first <= r.used_on <= min(last, as_of)), start=ZERO)
    return Balance(funded(orders, year, as_of), used)


@dataclass(frozen=True)
class BurnDownPoint:
    """One point of the burn-down chart: the balance left and overage at the end of `day`."""

    day: date
    remaining: Decimal
    overage: Decimal


def burn_down(
    start: date,
    orders: Sequence[CommitmentOrder],
    usage: Sequence[UsageRecord],
    year: int,
    as_of: date,
) -> list[BurnDownPoint]:
    """The term's balance at its first day and on every day an order or usage changed it."""
    first, last = term_bounds(start, year)
    stop = min(last, as_of)
    days = {first} | {r.used_on for r in usage} | {o.submitted_on for o in orders}
    points = []
    for day in sorted(d for d in days if first <= d <= stop):
        balance = term_balance(start, orders, usage, year, day)
        points.append(BurnDownPoint(day, balance.remaining, balance.overage))
    return points


def overage_by_month(
    start: date,
    orders: Sequence[CommitmentOrder],
    usage: Sequence[UsageRecord],
    year: int,
    as_of: date,
) -> dict[date, Decimal]:
    """New overage per calendar month of the term (keyed by the month's first day)."""
    first, last = term_bounds(start, year)
    result: dict[date, Decimal] = {}
    month, before = first_of_month(first), ZERO
    while month <= min(last, as_of):
        month_end = min(add_months(month, 1) - timedelta(days=1), last, as_of)
        overage = term_balance(start, orders, usage, year, month_end).overage
        if overage > before:
            result[month] = overage - before
        month, before = add_months(month, 1), overage
    return result
