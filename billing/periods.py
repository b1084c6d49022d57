"""Billing months ("YYYY-MM"): parsing with a message that says how to write one, and
their first and last days."""

from __future__ import annotations

import re
from datetime import date, timedelta

from persistence.money import add_months

MONTH = re.compile(r"(\d{4})-(\d{2})")


class BillingInputError(ValueError):
    """Bad input to a billing command or page: the message names the field and the fix."""


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
