"""Times as the viewer reads them: in the signed-in user's own time zone (users.time_zone,
chosen on the account page), else the storefront's (STOREFRONT_TIME_ZONE), with the zone's
abbreviation, so 09:00 UTC reads "2025-03-08 10:00 CET" in Warsaw. Babel formats them.

Everything is stored in UTC; only the pages convert. A date without a time (a term's end
day, a due date) is a calendar day and is shown as it is.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel.dates import format_datetime, get_timezone_gmt
from flask import current_app
from flask_login import current_user

from persistence import as_utc

# The zones a user may choose: the IANA names of places (Europe/Warsaw), plus UTC; not the
# tz database's legacy aliases (US/Eastern, Etc/GMT+5, posix/…).
AREAS = ("Africa/", "America/", "Antarctica/", "Arctic/", "Asia/", "Atlantic/",
         "Australia/", "Europe/", "Indian/", "Pacific/")


@lru_cache(maxsize=1)
def choosable_zones() -> tuple[str, ...]:
    """Every zone the account page offers, sorted."""
    return ("UTC", *sorted(name for name in available_timezones() if name.startswith(AREAS)))


@lru_cache(maxsize=128)
def zone(name: str) -> ZoneInfo:
    """The zone of an IANA name; UTC for one the tz database no longer knows (a stored
    choice is checked when saved, the setting at start-up)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def default_zone_name() -> str:
    return current_app.config.get("STOREFRONT_TIME_ZONE") or "UTC"


def viewer_zone() -> ZoneInfo:
    """The signed-in user's zone, else the storefront's (visitors, jobs, users who chose
    none)."""
    user = current_user
    chosen = getattr(user, "time_zone", None) if user and user.is_authenticated else None
    return zone(chosen or default_zone_name())


def abbreviation(local: datetime) -> str:
    """The zone's abbreviation at that moment (CET in winter, CEST in summer); Babel's
    GMT offset (GMT+04:00) where the tz database has only a number (+04)."""
    name = local.tzname() or ""
    if name[:1].isalpha():
        return name
    return get_timezone_gmt(local, "long", locale="en")


def local_datetime(value: datetime | date | None, in_zone: ZoneInfo | None = None) -> str:
    """A stored moment in the viewer's zone, e.g. "2025-03-08 10:00 CET"; "—" for none."""
    if value is None:
        return "—"
    if not isinstance(value, datetime):
        return value.isoformat()
    where = in_zone or viewer_zone()
    local = as_utc(value).astimezone(where)
    text = format_datetime(local, "yyyy-MM-dd HH:mm", tzinfo=where, locale=_locale())
    return f"{text} {abbreviation(local)}"


def local_date(value: datetime | date | None) -> str:
    """The calendar day a stored moment falls on in the viewer's zone, e.g. "2025-03-08"."""
    if value is None:
        return "—"
    if not isinstance(value, datetime):
        return value.isoformat()
    return as_utc(value).astimezone(viewer_zone()).date().isoformat()


def _locale() -> str:
    return current_app.config.get("DEFAULT_LOCALE") or "en_US"
