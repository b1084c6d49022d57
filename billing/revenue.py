"""Revenue for the provider's dashboard, from the charge ledger (billing.models.Charge):
what billing has charged, credits subtracted, per currency. A charge belongs to the day
its period starts (a cycle, a purchase, a seat change or a cancellation credit) and to its
billing month; an order not yet provisioned has no charge, so it is not revenue yet."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import BigInteger, Numeric, cast, func, select

from billing.models import Charge
from persistence import db

# Money keeps four decimals (persistence.Money): sums are taken in whole ten-thousandths.
UNITS = 10_000
FOUR_PLACES = Decimal("0.0001")


def _per_currency(condition) -> dict[str, Decimal]:
    # Summed by the database as integers: exact on both databases (SQLite keeps Money as
    # text, and a SUM of it would go through floats; an integer SUM does not), and a busy
    # month's charges no longer travel to Python one row at a time to be added up.
    units = func.sum(cast(func.round(cast(Charge.amount, Numeric) * UNITS), BigInteger))
    totals = db.session.execute(select(Charge.currency, units).where(condition)
                                .group_by(Charge.currency).order_by(Charge.currency))
    return {currency: (Decimal(total) / UNITS).quantize(FOUR_PLACES)
            for currency, total in totals}


def charged_on(day: date) -> dict[str, Decimal]:
    """Charges whose period starts that day, summed per currency."""
    return _per_currency(Charge.period_start == day)


def charged_in_month(day: date) -> dict[str, Decimal]:
    """Charges of that day's billing month, summed per currency."""
    return _per_currency(Charge.billing_month == f"{day:%Y-%m}")
