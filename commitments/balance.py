"""O5: usage draws the commitment balance down; notices at 50/75/90/100%; then overage.

Seed 000: usage is "deducted from their Monetary Commitment term's balance at their commitment
rates until the commitment balance has been exhausted. At that point, customer will be charged
as overage", notices go out "at 50%, 75%, 90% and 100%", and overage rates are "the same as the
rates charged in the commitment period". Each commitment year is its own term: its balance is
the year's initial or annual order plus additional orders for that year; each threshold is
notified once per term. A term funded with RMB 0 (true-down to zero) has no thresholds.

Overage is charged per calendar month (O5) and invoiced by the partner when the month's
statement goes out (O6); an issued invoice is never edited (B4). So once a month closes, the
usage its overage billed is paid for and no longer draws on the commitment: an additional
order placed later (O3) tops up the balance for later usage ("If customers don't want to pay
overage monthly, they can place an additional order to top up their Monetary Commitment
balance") and never absorbs usage already invoiced as overage. Over a term the customer is
billed the commitment and its additional orders plus each month's overage, and no usage is
billed twice.

Seed 000 also lets the customer "submit annual order or additional order to offset overage"
(O2, O3): an offset (commitments.offsets) takes part of an order's commitment to fund a
closed month's overage instead of later usage, and the partner credits that month's invoice
by as much. So from the day it is recorded an offset consumes the commitment of the order's
term (`Balance.offset`), the invoice stays as issued (B4) and the credit note takes the
amount off: commitments plus overage invoices less credits still equal the usage plus the
commitment left unused.

B5 rounding: a usage record's cost (quantity x rate) is kept exact; usage is summed exactly
and the sum rounded once to fen, half up (commitments.money, the rule of persistence.money).
So the term's usage to date, the balance left, the term's overage and each month's overage
invoice line are each one rounding of an exact figure, and the page's figures add up to the
invoices: a thousand records of 0.003 at RMB 1.50 use RMB 4.50, not RMB 0.00.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
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
    def amount(self) -> Decimal:
        """The record's exact cost: quantity times the commitment rate, unrounded (B5)."""
        return self.quantity * self.unit_price

    @property
    def charge(self) -> Decimal:
        """The record's cost shown on its own, in fen; sums add `amount`, never this."""
        return to_money(self.amount)


@dataclass(frozen=True)
class Offset:
    """Part of a closed month's overage funded from a commitment order instead of paid
    (O2, O3): it consumes `amount` of the order's term (`year`) from `offset_on` on."""

    month: date
    order_ref: int
    year: int
    amount: Decimal
    offset_on: date


@dataclass(frozen=True)
class Balance:
    """A term's commitment (funded), its usage (used), the overage of closed months
    (invoiced), which that usage no longer draws on the commitment for, and the commitment
    offsets took to fund overage instead (offset)."""

    funded: Decimal
    used: Decimal = ZERO
    invoiced: Decimal = ZERO
    offset: Decimal = ZERO

    @property
    def drawn(self) -> Decimal:
        """What usage and offsets have taken from the commitment (usage not billed as
        overage, and overage an order funded)."""
        return min(self.used - self.invoiced + self.offset, self.funded)

    @property
    def _left(self) -> Decimal:
        return max(self.funded - self.offset - (self.used - self.invoiced), ZERO)

    @property
    def remaining(self) -> Decimal:
        """What is left to draw, in fen; never below zero."""
        return to_money(self._left)

    @property
    def overage(self) -> Decimal:
        """The term's overage in fen: invoiced for closed months plus this month's so far
        (offsets credit invoices, they never change what was invoiced)."""
        unfunded = self.used - self.invoiced - (self.funded - self.offset)
        return self.invoiced + to_money(max(unfunded, ZERO))

    def split(self, amount: Decimal) -> tuple[Decimal, Decimal]:
        """How much of a charge the balance covers and how much is overage."""
        covered = min(amount, self._left)
        return covered, amount - covered

    def draw(self, amount: Decimal) -> Balance:
        """The balance after a charge; charges are never negative."""
        if amount < ZERO:
            raise ValueError("a usage charge cannot be negative")
        return Balance(self.funded, self.used + amount, self.invoiced, self.offset)


def thresholds_reached(balance: Balance) -> tuple[int, ...]:
    """The notice thresholds consumption has reached (exactly 50% reaches 50)."""
    if balance.funded <= ZERO:
        return ()
    return tuple(t for t in THRESHOLDS if balance.drawn * 100 >= balance.funded * t)


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
    covered, overage = balance.split(record.amount)
    after = balance.draw(record.amount)
    return UsageOutcome(after, covered, overage, newly_crossed(after, notified))


def usage_charge(usage: Iterable[UsageRecord]) -> Decimal:
    """What the records cost together: their exact amounts summed, rounded once (B5)."""
    return to_money(sum((r.amount for r in usage), start=ZERO))


def _used(usage: Sequence[UsageRecord], first: date, day: date) -> Decimal:
    return usage_charge(r for r in usage if first <= r.used_on <= day)


def offset_total(offsets: Iterable[Offset], year: int, day: date) -> Decimal:
    """The commitment of term `year` that offsets recorded by `day` took for overage."""
    return sum((o.amount for o in offsets if o.year == year and o.offset_on <= day),
               start=ZERO)


def _funding(orders, offsets, year: int, day: date) -> tuple[Decimal, Decimal]:
    return funded(orders, year, day), offset_total(offsets, year, day)


def _month_ends(
    start: date,
    orders: Sequence[CommitmentOrder],
    usage: Sequence[UsageRecord],
    year: int,
    as_of: date,
    offsets: Sequence[Offset] = (),
) -> Iterator[tuple[date, Balance]]:
    """Each month of the term up to `as_of` (by its first day) with its balance at its end.

    A month's balance starts from the overage invoiced for the months before it: what one
    month's overage billed is not drawn again once an order raises the funding."""
    first, last = term_bounds(start, year)
    stop = min(last, as_of)
    month, invoiced = first_of_month(first), ZERO
    while month <= stop:
        end = min(add_months(month, 1) - timedelta(days=1), stop)
        money, taken = _funding(orders, offsets, year, end)
        balance = Balance(money, _used(usage, first, end), invoiced, taken)
        yield month, balance
        month, invoiced = add_months(month, 1), balance.overage


def _invoiced_by_month(
    start: date,
    orders: Sequence[CommitmentOrder],
    usage: Sequence[UsageRecord],
    year: int,
    as_of: date,
    offsets: Sequence[Offset] = (),
) -> dict[date, Decimal]:
    """The overage invoiced before each month of the term up to `as_of`."""
    ends = _month_ends(start, orders, usage, year, as_of, offsets)
    return {m: b.invoiced for m, b in ends}


def _balance_on(
    start: date,
    orders: Sequence[CommitmentOrder],
    usage: Sequence[UsageRecord],
    year: int,
    day: date,
    invoiced: dict[date, Decimal],
    offsets: Sequence[Offset] = (),
) -> Balance:
    first, last = term_bounds(start, year)
    before = invoiced.get(first_of_month(min(day, last)), ZERO)
    money, taken = _funding(orders, offsets, year, day)
    return Balance(money, _used(usage, first, min(day, last)), before, taken)


def term_balance(
    start: date,
    orders: Sequence[CommitmentOrder],
    usage: Sequence[UsageRecord],
    year: int,
    as_of: date,
    offsets: Sequence[Offset] = (),
) -> Balance:
    """Year `year`'s balance counting orders, usage and offsets dated on or before `as_of`."""
    invoiced = _invoiced_by_month(start, orders, usage, year, as_of, offsets)
    return _balance_on(start, orders, usage, year, as_of, invoiced, offsets)


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
    offsets: Sequence[Offset] = (),
) -> list[BurnDownPoint]:
    """The term's balance at its first day and on every day an order, usage or an offset
    changed it."""
    first, last = term_bounds(start, year)
    stop = min(last, as_of)
    invoiced = _invoiced_by_month(start, orders, usage, year, stop, offsets)
    days = {first} | {r.used_on for r in usage} | {o.submitted_on for o in orders}
    days |= {o.offset_on for o in offsets if o.year == year}
    points = []
    for day in sorted(d for d in days if first <= d <= stop):
        balance = _balance_on(start, orders, usage, year, day, invoiced, offsets)
        points.append(BurnDownPoint(day, balance.remaining, balance.overage))
    return points


def overage_by_month(
    start: date,
    orders: Sequence[CommitmentOrder],
    usage: Sequence[UsageRecord],
    year: int,
    as_of: date,
    offsets: Sequence[Offset] = (),
) -> dict[date, Decimal]:
    """New overage per calendar month of the term (keyed by the month's first day): usage
    beyond what the commitment has left once earlier months' overage is invoiced and
    offsets have taken their part of it."""
    result: dict[date, Decimal] = {}
    for month, balance in _month_ends(start, orders, usage, year, as_of, offsets):
        if balance.overage > balance.invoiced:
            result[month] = balance.overage - balance.invoiced
    return result
