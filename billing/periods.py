"""Billing months ("YYYY-MM"): parsing with a message that says how to write one, and
their first and last days."""

from __future__ import annotations

import re
from datetime import date, timedelta

from persistence.money import add_months

MONTH = re.compile(r"(\d{4})-(\d{2})")
# Microsoft issues a month's invoice and its billed reconciliation data between the 6th and
# the 8th of the next month (B6): from the 8th on, the month before is surely out.
MICROSOFT_INVOICE_DAY = 8


class BillingInputError(ValueError):
    """Bad input to a billing command or page: the message names the field and the fix."""

    def beside(self, field: str) -> str:
        """The message shown beside its field (a form's error, a CLI option's), which names
        the field already."""
        return str(self).removeprefix(f"{field}: ")


def parse_month(text: str, field: str = "month") -> tuple[date, date]:
    """The first and last day of a billing month written YYYY-MM."""
    match = MONTH.fullmatch((text or "").strip())
    if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 2000:
        raise BillingInputError(f"{field}: write the billing month as YYYY-MM, e.g. 2026-11 "
                                f"(got {text!r}).")
    first = date(int(match[1]), int(match[2]), 1)
    return first, add_months(first, 1) - timedelta(days=1)


def month_of(day: date) -> str:
    """The billing month a day belongs to, as YYYY-MM."""
    return f"{day.year:04d}-{day.month:02d}"


def previous_month(today: date) -> str:
    """The month before today's: the one a run at the start of a month bills."""
    return month_of(today.replace(day=1) - timedelta(days=1))


def latest_invoiced(today: date) -> date:
    """The first day of the newest month whose Microsoft invoice is out by `today`: on
    6 December that is October, November's comes by the 8th."""
    back = 1 if today.day >= MICROSOFT_INVOICE_DAY else 2
    return add_months(today.replace(day=1), -back)
