"""S7 activity log queries: reveals and downloads between two dates, and their CSV export."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, select

from exports.spreadsheet import csv_lines
from subscriptions.models import KeyAccess

COLUMNS = ("when_utc", "user", "action", "subscription_id", "subscription", "customer", "ip")


def _day(value: str) -> datetime | None:
    """Midnight UTC of an ISO date; anything else is no bound."""
    try:
        return datetime.combine(date.fromisoformat(value), time(), tzinfo=UTC)
    except ValueError:
        return None


def between(start: str, end: str) -> Select:
    """Log rows from `start` through `end` (inclusive ISO dates), newest first."""
    query = select(KeyAccess).order_by(KeyAccess.id.desc())
    if (first := _day(start)) is not None:
        query = query.where(KeyAccess.at >= first)
    if (last := _day(end)) is not None:
        query = query.where(KeyAccess.at < last + timedelta(days=1))
    return query


def export_csv(rows: Iterable[KeyAccess]) -> Iterator[str]:
    """The rows as CSV lines, one per reveal or download (formula cells neutralised)."""
    return csv_lines(COLUMNS, ((
        r.at.strftime("%Y-%m-%d %H:%M:%S"), r.user.email, r.action, r.subscription_id,
        r.subscription.title, r.subscription.customer.company_name, r.ip) for r in rows))
