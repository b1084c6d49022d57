"""S7 activity log queries: reveals and downloads between two moments, and their CSV export.

Each row names the key or download it concerns (its version, language, file type and OS,
and its number): a subscription can hold several, e.g. the en-US and the de-DE download.
The date range is the page's (storefront/tables.py: the viewer's calendar days, a bad date
named with its fix), as on every other list."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from sqlalchemy import Select, select

from exports.spreadsheet import csv_lines
from subscriptions.models import KeyAccess, SoftwareKey

COLUMNS = ("when_utc", "user", "action", "subscription_id", "subscription", "customer", "ip",
           "key_id", "key")


def between(since: datetime | None, before: datetime | None) -> Select:
    """Log rows at or after `since` and before `before` (either open), newest first."""
    query = select(KeyAccess).order_by(KeyAccess.id.desc())
    if since is not None:
        query = query.where(KeyAccess.at >= since)
    if before is not None:
        query = query.where(KeyAccess.at < before)
    return query


def key_label(key: SoftwareKey) -> str:
    """Which key or download, in words: its choices, else that it is a product key."""
    return key.choices or ("product key" if key.product_key else "download")


def export_csv(rows: Iterable[KeyAccess]) -> Iterator[str]:
    """The rows as CSV lines, one per reveal or download (formula cells neutralised)."""
    return csv_lines(COLUMNS, ((
        r.at.strftime("%Y-%m-%d %H:%M:%S"), r.user.email, r.action, r.subscription_id,
        r.subscription.title, r.subscription.customer.company_name, r.ip, r.key_id,
        key_label(r.key)) for r in rows))
