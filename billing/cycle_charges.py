"""B1: the charge of each cycle starting in a month, for the subscriptions billing.bulk's
INSERT ... SELECT leaves to code (seat changes, cancellations, terms that end, perpetual
software, co-terms): their terms as bought until the first renewal, then each renewed term as
the sync recorded it (R1). Sources and kinds: billing.charges."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache

from billing import bulk
from billing.billed import Billed, before_renewal, billed_subscriptions, charge_cycle, renewed_terms
from billing.billed_history import cancellation_days
from billing.bulk import Cycle
from billing.charge_rows import charge_row
from billing.models import ChargeType
from persistence.money import add_months, charge_amount


def month_cycle_charges(first: date, last: date, today: date) -> Iterator[tuple]:
    """The charge of every cycle starting this month (up to today), one per subscription
    that the bulk INSERT … SELECT (billing.bulk) leaves to this code: its terms as bought
    until its first renewal, then each renewed term as the sync recorded it (R1)."""
    ends = cancellation_days()
    for sub in billed_subscriptions(first, last, ends, where=~bulk.plain(first)):
        yield from cycles_of(sub, first, min(last, today))


def cycles_of(sub: Billed, first: date, until: date) -> Iterator[tuple]:
    """The subscription's cycle charges from `first` to `until` (one month)."""
    yield from _bought_terms_charges(before_renewal(sub), first, until)
    for term in renewed_terms(sub):
        yield from _terms_from(term, term.purchased_on, first, until)


def _bought_terms_charges(sub: Billed, first: date, until: date) -> Iterator[tuple]:
    if sub.first_term_end is not None:
        yield from _coterm_charges(sub, first, until)
        return
    cycle = cycle_in_month(sub.purchased_on, sub.months, sub.term_months, sub.perpetual,
                           first, until)
    if cycle is not None and not _not_charged(sub, cycle.start):
        yield _cycle_charge(sub, cycle)


def _coterm_charges(sub: Billed, first: date, until: date) -> Iterator[tuple]:
    """R6: a co-termed subscription's first term runs from the purchase to its custom end,
    charged once at the amount the cart quoted (persistence.money.cycle_on, the same
    proration as shortened_term_amount), its effective unit price the term's prorated one;
    its later terms are whole ones from that end on."""
    end = sub.first_term_end
    if first <= sub.purchased_on <= until and not _not_charged(sub, sub.purchased_on):
        quantity = sub.quantity_on(sub.purchased_on)
        term = charge_cycle(sub, sub.purchased_on)
        yield charge_row(sub, f"sub:{sub.id}:{sub.purchased_on.isoformat()}", ChargeType.NEW,
                      sub.title, quantity, term.price, term.amount(quantity, sub.currency),
                      term.start, term.end)
    yield from _terms_from(sub, end, first, until)


def _terms_from(sub: Billed, start: date, first: date, until: date) -> Iterator[tuple]:
    """The cycle this month of whole terms renewed from `start` on (their first is a
    renewal), at the subscription's unit price."""
    cycle = cycle_in_month(start, sub.months, sub.term_months, False, first, until)
    if cycle is None or _not_charged(sub, cycle.start):
        return
    kind = ChargeType.RENEW if cycle.kind == ChargeType.NEW else cycle.kind
    yield _cycle_charge(sub, Cycle(kind, cycle.start, cycle.end))


def cycle_in_month(purchased_on: date, months: int, term_months: int, perpetual: bool,
                   first: date, until: date) -> Cycle | None:
    """The charge cycle of a subscription bought that day that starts in the month of
    `first` no later than `until`, if one does: its kind, first and last day (cycles start
    on the purchase's day of the month, persistence.money)."""
    elapsed = (first.year - purchased_on.year) * 12 + first.month - purchased_on.month
    if elapsed < 0 or elapsed % months or (perpetual and elapsed):
        return None
    start = add_months(purchased_on, elapsed)
    if start > until:
        return None
    if perpetual:
        return Cycle(ChargeType.ONE_TIME, start, start)
    kind = (ChargeType.NEW if elapsed == 0 else ChargeType.RENEW
            if elapsed % term_months == 0 else ChargeType.CYCLE)
    return Cycle(kind, start, add_months(purchased_on, elapsed + months) - timedelta(days=1))


def _not_charged(sub: Billed, start: date) -> bool:
    """A cycle starting after the subscription ended, or (R4) one an upgrade's new
    subscription shares with its source that began by the upgrade's day: the conversion
    charges the rest of it."""
    return (sub.billed_until is not None and start > sub.billed_until) or (
        sub.converted_on is not None and start <= sub.converted_on)


def _cycle_charge(sub: Billed, cycle: Cycle) -> tuple:
    """The charge of one cycle, at the seats it began with."""
    quantity = sub.quantity_on(cycle.start)
    return charge_row(sub, f"sub:{sub.id}:{cycle.start.isoformat()}", cycle.kind, sub.title,
                   quantity, sub.unit_price,
                   _full_cycle(sub.unit_price, quantity, sub.currency), cycle.start, cycle.end)


@lru_cache(maxsize=65536)
def _full_cycle(unit_price: Decimal, quantity: int, currency: str) -> Decimal:
    """A full cycle's amount (B5), the same for every subscription of that price and seat
    count: computed once per run of them, not once per subscription."""
    return charge_amount(unit_price, quantity, currency)
