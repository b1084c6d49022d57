"""A user's own preferences: the time zone the pages show times in (storefront/
local_times.py converts; everything is stored in UTC), and the emails sent to it
(`zone_of`: a worker has no signed-in viewer, so each recipient's own zone is used)."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from accounts.models import User
from persistence import db

MAX_ZONE_NAME = 64  # users.time_zone


def zone_of(user: User, default: str) -> ZoneInfo:
    """The zone `user` reads times in: its own, else `default` (the storefront's
    STOREFRONT_TIME_ZONE); UTC for a name the tz database no longer knows."""
    for name in (user.time_zone, default):
        try:
            if name:
                return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return ZoneInfo("UTC")


class UnknownTimeZone(ValueError):
    """Not a time zone the tz database knows; the message says what to give instead."""


def check_time_zone(name: str) -> str:
    """The IANA name if the tz database knows it (Europe/Warsaw), else UnknownTimeZone."""
    try:
        if len(name) <= MAX_ZONE_NAME:
            ZoneInfo(name)
            return name
    except (ZoneInfoNotFoundError, ValueError):
        pass
    raise UnknownTimeZone(f"Time zone: {name[:MAX_ZONE_NAME]!r} is not a time zone. Choose "
                          "one from the list, e.g. Europe/Warsaw or America/New_York.")


def set_time_zone(user: User, name: str | None) -> None:
    """Show this user times in the zone `name`; empty or None: the storefront's default
    zone (STOREFRONT_TIME_ZONE). Commits."""
    name = (name or "").strip()
    user.time_zone = check_time_zone(name) if name else None
    db.session.commit()
