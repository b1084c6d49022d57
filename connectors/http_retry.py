"""The retry loop's policy shared by the Partner Center and Graph clients: which failures
to retry and how long to wait. Each client names its own retryable errors; both retry only
where another attempt cannot change what the first did (no answer, 429, 5xx).

`parse_retry_after` is the one reader of the Retry-After header for both clients and the
pacing session: RFC 9110 allows delay-seconds or an HTTP-date, and a wait is never
negative nor longer than MAX_RETRY_AFTER.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import ClassVar

# An hour: a longer Retry-After (or a date far ahead) is a server's mistake, not a plan.
MAX_RETRY_AFTER = 3600.0
# The longest wait spent inside one call. Web requests and workers share the client, so a
# longer Retry-After is not slept through: the error goes up with its retry_after and a
# background job reschedules itself by it (provisioning.jobs) while a page answers at once.
MAX_IN_CALL_WAIT = 60.0


# A web request's deadline (time.monotonic()), set by the web app around each request: a
# retry or a poll that would sleep past it gives up and raises instead, so the page answers
# "try again" before gunicorn's worker timeout kills the worker mid-request (a 502 and a
# lost answer). Unset in workers, which wait as long as the policy allows.
_DEADLINE: ContextVar[float | None] = ContextVar("http_deadline", default=None)


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Calls made inside wait for retries and polls only while `seconds` last."""
    token = set_deadline(seconds)
    try:
        yield
    finally:
        clear_deadline(token)


def set_deadline(seconds: float | None) -> object:
    """`deadline` for code with no with-block (a request's hooks): returns the token that
    `clear_deadline` takes."""
    return _DEADLINE.set(None if seconds is None else time.monotonic() + seconds)


def clear_deadline(token: object) -> None:
    _DEADLINE.reset(token)  # type: ignore[arg-type]


def fits_deadline(wait: float) -> bool:
    """Whether sleeping `wait` seconds still leaves time before the deadline, if any."""
    end = _DEADLINE.get()
    return end is None or time.monotonic() + wait < end


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After in seconds from delay-seconds or an HTTP-date; None when absent or
    malformed. Graph sends fractions (2.128), so decimals are accepted too."""
    if value is None:
        return None
    text = value.strip()
    try:
        seconds: float | None = float(text)
    except ValueError:
        seconds = _seconds_until(text, now or datetime.now(UTC))
    if seconds is None or math.isnan(seconds):
        return None
    return min(max(0.0, seconds), MAX_RETRY_AFTER)


def _seconds_until(text: str, now: datetime) -> float | None:
    """Seconds from now until an HTTP-date (IMF-fixdate or an obsolete form), or None."""
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000" parses naive; HTTP-dates are always GMT
        when = when.replace(tzinfo=UTC)
    return (when - now).total_seconds()


@dataclass(frozen=True)
class BackoffPolicy:
    """Bounded exponential backoff with jitter; the sleeper is injectable for tests."""

    retryable: ClassVar[tuple[type[Exception], ...]] = ()

    max_attempts: int = 4
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    max_wait: float = MAX_IN_CALL_WAIT
    sleeper: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)

    def should_retry(self, error: Exception, attempt: int) -> bool:
        """Retry throttling, server errors and silence, while attempts remain and the
        server's own wait, if any, fits in one call."""
        if attempt >= self.max_attempts or not isinstance(error, self.retryable):
            return False
        asked = self.retry_after(error)
        if asked is not None and asked > self.max_wait:
            return False
        longest = asked if asked is not None else self._ceiling(attempt)
        return fits_deadline(longest)  # a web request's time left (deadline)

    def retry_after(self, error: Exception) -> float | None:
        """The server's own wait, when it sent one."""
        return getattr(error, "retry_after", None)

    def delay(self, error: Exception, attempt: int) -> float:
        """Seconds before the next attempt: the server's Retry-After when given, else backoff."""
        asked = self.retry_after(error)
        if asked is not None:
            return asked
        ceiling = self._ceiling(attempt)
        # "Equal jitter": half fixed, half random, so clients that failed together spread out.
        return ceiling / 2 + self.rng.uniform(0, ceiling / 2)

    def _ceiling(self, attempt: int) -> float:
        return min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))

    def wait(self, error: Exception, attempt: int) -> None:
        """Sleep before retrying after `attempt` failed."""
        self.sleeper(self.delay(error, attempt))
