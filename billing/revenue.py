"""Revenue for the provider's dashboard, from the charge ledger (billing.models.Charge):
what billing has charged, credits subtracted, per currency. A charge belongs to the day
its period starts (a cycle, a purchase, a seat change or a cancellation credit) and to its
billing month; an order not yet provisioned has no charge, so it is not revenue yet."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from billing.models import Charge
from persistence import db


def _per_currency(condition) -> dict[str, Decimal]:
    # Summed here, not by SQL: SQLite keeps Money as text and its SUM would go through floats.
    totals: dict[str, Decimal] = {}
    for currency, amount in db.session.execute(select(Charge.currency, Charge.amount)
                                               .where(condition)):
        totals[currency] = totals.get(currency, Decimal(0)) + amount
    return dict(sorted(totals.items()))


def charged_on(day: date) -> dict[str, Decimal]:
    """Charges whose period starts that day, summed per currency."""
    return _per_currency(Charge.period_start == day)


def charged_in_month(day: date) -> dict[str, Decimal]:
    """Charges of that day's billing month, summed per currency."""
    return _per_currency(Charge.billing_month == f"{day:%Y-%m}")
