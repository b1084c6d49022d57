"""O6 and price protection: the partner's OSPA price list and the price an enrollment pays.

Seed 000: "For Indirect OSPA, all pricing will be suggested by Indirect partner", and under
Price Protection: "If Azure prices go up for a specific service, customer's pricing will not
change. If Azure prices go down, our system will automatically pass on the applicable pricing
levels and adjustments to customers."

A partner keeps one price per meter with the day it takes effect; a later entry for the same
meter replaces the earlier one from its day on. During its term an enrollment pays, for a
meter on a day, the lowest price that has been in force from its start (or the meter's first
price, if priced later) up to that day: a rise never reaches it, a fall is passed on at once
and stays passed on. After the end date (usage under the Extended Term clause) the price is
the one in force that day: "charged as overage at the current price".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from commitments.problems import CommitmentRefused, Problem, problem

RULE = "O6"
MAX_METER = 120


@dataclass(frozen=True)
class PriceEntry:
    """One line of a partner's price list: the meter's unit price from a day on (RMB)."""

    meter: str
    unit_price: Decimal
    effective_from: date


class Change(StrEnum):
    """How a scheduled price compares with the one in force before it."""

    NEW = "new"
    UP = "up"
    DOWN = "down"
    SAME = "same"


def format_unit_price(value: Decimal) -> str:
    """A unit price for people: fen as amounts are, up to four decimals when it has them."""
    places = max(2, min(4, -value.normalize().as_tuple().exponent))
    return f"RMB {value:,.{places}f}"


def normalise_meter(meter: str) -> str:
    """Meters match by name with surrounding and repeated spaces ignored."""
    return " ".join((meter or "").split())


def _of_meter(entries: Iterable[PriceEntry], meter: str) -> list[PriceEntry]:
    name = normalise_meter(meter).casefold()
    found = [e for e in entries if normalise_meter(e.meter).casefold() == name]
    return sorted(found, key=lambda e: e.effective_from)


def price_in_force(entries: Iterable[PriceEntry], meter: str, day: date) -> Decimal | None:
    """The list price of the meter on the day, or None when it has none yet."""
    current = None
    for entry in _of_meter(entries, meter):
        if entry.effective_from > day:
            break
        current = entry.unit_price
    return current


def enrollment_price(
    entries: Iterable[PriceEntry], meter: str, start: date, end: date, day: date
) -> Decimal | None:
    """The unit price the enrollment pays for the meter on the day (price protection)."""
    lines = _of_meter(entries, meter)
    if day > end:
        return price_in_force(lines, meter, day)
    at_start = price_in_force(lines, meter, start)
    since = [e.unit_price for e in lines if start < e.effective_from <= day]
    candidates = ([at_start] if at_start is not None else []) + since
    return min(candidates, default=None)


def priced(entries: Iterable[PriceEntry], meter: str, start: date, end: date,
           day: date) -> Decimal:
    """enrollment_price, or CommitmentRefused O6.meter_not_priced naming the meter to price."""
    price = enrollment_price(entries, meter, start, end, day)
    if price is None:
        message = (f"Meter: the partner's OSPA price list has no price for "
                   f"{normalise_meter(meter) or 'this meter'} on {day.isoformat()}; "
                   "choose a priced meter or ask the partner to add it to the price list.")
        raise CommitmentRefused([problem(RULE, "meter_not_priced", message, "meter")])
    return price


def change_of(entries: Iterable[PriceEntry], new: PriceEntry) -> Change:
    """Whether a scheduled price raises, lowers, keeps or first sets the meter's price."""
    before = price_in_force(entries, new.meter, new.effective_from)
    if before is None:
        return Change.NEW
    if new.unit_price == before:
        return Change.SAME
    return Change.UP if new.unit_price > before else Change.DOWN


def entry_problems(new: PriceEntry, today: date) -> list[Problem]:
    """A price line needs a meter, a positive price and a day from today on."""
    found = []
    meter = normalise_meter(new.meter)
    if not meter or len(meter) > MAX_METER:
        message = f"Meter: name the meter, e.g. Virtual Machines D4s v5 (hours), at most " \
                  f"{MAX_METER} characters."
        found.append(problem(RULE, "meter_required", message, "meter"))
    if not new.unit_price.is_finite() or new.unit_price <= 0:
        message = "Unit price: enter the price per unit in RMB, more than 0, e.g. 2.40."
        found.append(problem(RULE, "price_not_positive", message, "unit_price"))
    if new.effective_from < today:
        message = (f"Effective from: a price cannot change the past; choose "
                   f"{today.isoformat()} or a later day.")
        found.append(problem(RULE, "price_backdated", message, "effective_from"))
    return found
