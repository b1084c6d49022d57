"""Money arithmetic every package shares (B5): the rounding rule, Microsoft's proration and
its charge cycles. Pure: no database, no Flask.

Amounts are computed exactly with Decimal and rounded once, at the end, to the currency's
minor unit (2 places for EUR or PLN, 0 for JPY, 3 for KWD: ISO 4217 as Babel has it).

- `round_money` is the rounding rule for prices, totals and tax: half up (away from zero).
  The cart, the reseller's marked-up price and the invoice's tax call it.
- `charge_amount` is the amount of one charge line (a purchase, a cycle charge, a prorated
  seat change, a cancellation credit): effective unit price × quantity cut to the minor unit
  toward zero. That is how Microsoft's own lines come out: its worked examples give
  9.408 × 12 = 112.896 → 112.89, 10.08 / 31 × 29 × 10 = 94.2967 → −94.29 (the page prints
  −94.20: it multiplies its displayed, already-cut 9.42 by 10), and
  11.2258 × 15 = 168.387 → 168.38, each cut, never rounded up (seven such lines on
  https://learn.microsoft.com/en-us/partner-center/billing/common-billing-scenarios-onetime-recurring).
  Full-cycle lines (10.08 × 10) are exact either way. The cancel page's refund and the
  credit charge both come from it, so the refund promised is the credit invoiced.

Proration follows Microsoft's new commerce formula, on that page: effective unit price =
unit price ÷ charge-cycle days × billable days, the billable days counted from the day of
the event to the end of the charge cycle, both included. A charge cycle starts on the day
of purchase (or its monthly/yearly anniversary) and lasts one billing-plan period; its
days are the calendar days between (June 18 – July 17: 30; a year: 365 or 366). Whole days
make a figure the same all day long: a page quoting a refund in the morning and the
cancellation that afternoon give the same amount.

A co-termed subscription (R6) is the exception: its first term runs from the purchase to
its custom end date, one cycle charged the term's price pro rata, and its later cycles
start on that end date. `cycle_on` answers both kinds, with what the cycle charged per
licence, so a credit or a seat change prorates what was really charged, over the days the
cycle really has.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from functools import lru_cache

from babel.numbers import get_currency_precision

# Twelve places: far below every currency's minor unit, far above Decimal's 28-digit noise.
SETTLE = Decimal("1e-12")


@lru_cache(maxsize=512)
def minor_unit(currency: str) -> Decimal:
    """The currency's smallest amount: 0.01 for EUR, 1 for JPY, 0.001 for KWD."""
    return Decimal(1).scaleb(-get_currency_precision(currency.upper()))


def round_money(amount: Decimal, currency: str) -> Decimal:
    """The rounding rule for prices, totals and tax (B5): half up to the minor unit."""
    return Decimal(amount).quantize(minor_unit(currency), rounding=ROUND_HALF_UP)


def charge_amount(effective_unit_price: Decimal, quantity: int, currency: str) -> Decimal:
    """One charge line's amount as Microsoft computes it: cut toward zero (see above)."""
    if not isinstance(effective_unit_price, Decimal):
        effective_unit_price = Decimal(effective_unit_price)
    exact = effective_unit_price * quantity
    # A prorated price is a quotient Decimal cannot hold exactly (10.00 / 30 × 10 =
    # 3.3333…); times 3 it is 9.9999…, which a bare cut would make 9.99 where the true
    # amount is 10.00. Snap off that representation error (far below any minor unit)
    # before cutting.
    settled = exact.quantize(SETTLE, rounding=ROUND_HALF_UP)
    return settled.quantize(minor_unit(currency), rounding=ROUND_DOWN)


def prorate(unit_price: Decimal, cycle_days: int, billable_days: int) -> Decimal:
    """Microsoft's effective unit price for part of a charge cycle, exact and unrounded."""
    if cycle_days <= 0:
        raise ValueError("a charge cycle has at least one day")
    return Decimal(unit_price) / Decimal(cycle_days) * Decimal(billable_days)


def shortened_term_amount(term_price: Decimal, quantity: int, currency: str, start: date,
                          standard_end: date, custom_end: date) -> Decimal:
    """R6: a co-termed first term's amount: the term's price × its days to the custom end ÷
    the full term's days (each end the next term's first day), cut like any charge. The
    cart quotes it and billing charges it, from this one function."""
    effective = prorate(term_price, (standard_end - start).days, (custom_end - start).days)
    return charge_amount(effective, quantity, currency)


def first_term_over(custom_term_end: date | None) -> date | None:
    """R6: the day a co-termed first term is over and the next begins. A line's
    custom_term_end is the customTermEndDate sent to Partner Center, "the end date of the
    first billing term" (cart-resources), its LAST day: new commerce end dates are inclusive
    (subscription-resources), so the next term starts the day after."""
    return None if custom_term_end is None else custom_term_end + timedelta(days=1)


def cycle_days(start: date, end: date) -> int:
    """Days from `start` to `end`, both included (a cycle's length, or its billable days)."""
    return (end - start).days + 1


@lru_cache(maxsize=65536)  # a billing run asks for the same few thousand again and again
def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day if it has no such day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    first_of_next = date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1)
    return date(year, month + 1, min(day.day, (first_of_next - timedelta(days=1)).day))


def charge_cycle(anchor: date, months: int, on: date) -> tuple[date, date]:
    """The charge cycle holding `on` of a subscription bought on `anchor` and charged every
    `months` months: its first and last day. Each cycle starts on the anchor's day of the
    month (or the month's last day) and ends the day before the next starts, as Microsoft's
    tables show (bought 31 Jan: 31 Jan – 27 Feb, 28 Feb – 30 Mar, 31 Mar – 29 Apr)."""
    if on < anchor:
        raise ValueError("a charge cycle cannot hold a day before the purchase")
    index = ((on.year - anchor.year) * 12 + on.month - anchor.month) // months
    while add_months(anchor, index * months) > on:
        index -= 1
    return cycle_at(anchor, months, index)


def cycle_at(anchor: date, months: int, index: int) -> tuple[date, date]:
    """The `index`-th charge cycle (0 = the one the purchase starts): first and last day."""
    start = add_months(anchor, index * months)
    return start, add_months(anchor, (index + 1) * months) - timedelta(days=1)


@dataclass(frozen=True)
class ChargeCycle:
    """One charge cycle: its first and last day and its exact price per licence (the unit
    price, or a co-termed first term's prorated price)."""

    start: date
    end: date
    price: Decimal

    @property
    def days(self) -> int:
        return cycle_days(self.start, self.end)

    def amount(self, quantity: int, currency: str) -> Decimal:
        """What the cycle charged (or charges) for `quantity` licences."""
        return charge_amount(self.price, quantity, currency)

    def rest(self, day: date) -> Decimal:
        """The effective unit price from `day` to the cycle's last day, both included."""
        return prorate(self.price, self.days, cycle_days(day, self.end))


def cycle_on(on: date, unit_price: Decimal, months: int, purchased_on: date,
             term_months: int | None = None, custom_end: date | None = None) -> ChargeCycle:
    """The charge cycle holding `on`, priced. Without a custom end date, as `charge_cycle`
    at the unit price. With one (R6), before it: the shortened first term, one cycle at
    the term's price × its days ÷ the full term's days (`shortened_term_amount`); from it
    on: cycles anchored on the custom end at the unit price."""
    if custom_end is None:
        return ChargeCycle(*charge_cycle(purchased_on, months, on), Decimal(unit_price))
    if on >= custom_end:
        return ChargeCycle(*charge_cycle(custom_end, months, on), Decimal(unit_price))
    if on < purchased_on:
        raise ValueError("a charge cycle cannot hold a day before the purchase")
    term = term_months or months
    full = add_months(purchased_on, term)
    price = prorate(Decimal(unit_price) * term / months, (full - purchased_on).days,
                    (custom_end - purchased_on).days)
    return ChargeCycle(purchased_on, custom_end - timedelta(days=1), price)
