"""ISO 8601 durations as GDAP writes them: P730D, P180D, P2Y, PT0S.

Graph bounds a relationship's duration by P1D and P2Y "inclusive" and its samples use days
(P730D); a year is therefore read as 365 days and a month as 30, so P2Y and P730D are the
same limit. Durations that mix in hours, minutes or seconds are accepted for reading but
GDAP only ever writes whole days or PT0S.
"""

from __future__ import annotations

import re
from datetime import timedelta

_DURATION = re.compile(
    r"^P(?:(?P<y>\d+)Y)?(?:(?P<mo>\d+)M)?(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?"
    r"(?:T(?:(?P<h>\d+)H)?(?:(?P<mi>\d+)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$")
_DAYS = {"y": 365, "mo": 30, "w": 7, "d": 1}
_SECONDS = {"h": 3600, "mi": 60, "s": 1}


def parse(text: str) -> timedelta:
    """The timedelta of an ISO 8601 duration; ValueError for anything else."""
    match = _DURATION.match(text or "")
    parts = {k: v for k, v in (match.groupdict() if match else {}).items() if v is not None}
    if not parts or text.endswith("T"):
        raise ValueError(f"not an ISO 8601 duration: {text!r}")
    days = sum(int(parts[k]) * n for k, n in _DAYS.items() if k in parts)
    seconds = sum(float(parts[k]) * n for k, n in _SECONDS.items() if k in parts)
    return timedelta(days=days, seconds=seconds)


def format_duration(delta: timedelta) -> str:
    """Write a duration the way GDAP does: PT0S for none, whole days as PnD."""
    if delta <= timedelta(0):
        return "PT0S"
    if delta % timedelta(days=1):
        return f"PT{int(delta.total_seconds())}S"
    return f"P{delta.days}D"
