"""S7 activity log queries: reveals and downloads between two dates, and their CSV export."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, select

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


def _cell(value: object) -> object:
    """Neutralise text a spreadsheet would run as a formula (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def export_csv(rows: Iterable[KeyAccess]) -> str:
    """The rows as CSV, one line per reveal or download."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for r in rows:
        writer.writerow([_cell(v) for v in (
            r.at.strftime("%Y-%m-%d %H:%M:%S"), r.user.email, r.action, r.subscription_id,
            r.subscription.title, r.subscription.customer.company_name, r.ip)])
    return out.getvalue()
