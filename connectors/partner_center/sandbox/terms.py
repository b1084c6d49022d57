"""Term dates in new commerce, as Partner Center answers them.

New commerce end dates are inclusive (subscription-resources, commitmentEndDate: "the term
end date is at the end of the day"; legacy ones are not): get-a-subscription-by-id's sample,
created 2021-01-14T16:57, answers commitmentEndDate 2022-01-13T00:00:00Z, its term's LAST
day, and commitmentEndDateTime 2022-01-13T23:59:59Z. The renewal runs the following day
from 00:00 UTC (create-scheduled-changes), so a term is over at midnight UTC after its last
day, and the next term starts then.
"""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import UTC, datetime, time, timedelta
from typing import Any

from connectors.partner_center import wire

DAY = timedelta(days=1)
TERM = re.compile(r"P(\d+)([MY])")  # an ISO term: P1M, P1Y, P3Y


def add_term(start: datetime, duration: str) -> datetime:
    """Start plus an ISO term (P1M, P1Y, P3Y), clamping the day to the target month."""
    match = TERM.fullmatch(duration or "")
    if not match:
        return start
    months = int(match[1]) * (12 if match[2] == "Y" else 1)
    year, month = divmod(start.month - 1 + months, 12)
    day = min(start.day, monthrange(start.year + year, month + 1)[1])
    return start.replace(year=start.year + year, month=month + 1, day=day)


def midnight(moment: datetime) -> datetime:
    """00:00 UTC of a timestamp's UTC day."""
    return datetime.combine(moment.astimezone(UTC).date(), time(), UTC)


def last_day(start: datetime, duration: str) -> datetime:
    """The commitmentEndDate of a term beginning at `start`: the day before the same day
    `duration` later, at 00:00 UTC (2021-01-14 + P1Y: 2022-01-13T00:00:00Z)."""
    return midnight(add_term(start, duration)) - DAY


def term_over(sub: dict[str, Any]) -> datetime | None:
    """When a subscription's current term is over and the next begins: 00:00 UTC the day
    after its commitmentEndDate (None without one)."""
    end = wire.timestamp(sub, "commitmentEndDate")
    return None if end is None else midnight(end) + DAY
