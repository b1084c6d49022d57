"""Client-side pacing of Partner Center calls: stay under the throttle instead of hitting it.

Partner Center throttles per partner and per partner × customer. `PacedSession` keeps each
of those buckets under N requests in any 60 seconds (a sliding window, like the server's)
and, should a 429 still come, sends nothing more to that bucket until its Retry-After has
passed (at most a minute, the throttle's own window: a caller may be a web request), so one
Retry-After window sees at most one 429. The limit is per process: give each
worker process its share (PARTNER_CENTER_RATE_LIMIT).
"""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import requests

from connectors.http_retry import MAX_IN_CALL_WAIT, parse_retry_after

MAX_BLOCK = MAX_IN_CALL_WAIT  # a longer Retry-After is met by the server's next 429
_CUSTOMER = re.compile(r"/v1/customers/([0-9a-fA-F-]{36})(?:/|$)")


def bucket_of(url: str) -> str:
    """The throttle bucket of a request: its customer, or the partner as a whole."""
    match = _CUSTOMER.search(url)
    return match[1].lower() if match else ""


class PacedSession(requests.Session):
    """A requests.Session that waits for room in the request's throttle bucket."""

    def __init__(self, per_minute: int, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        super().__init__()
        self.per_minute, self._clock, self._sleep = per_minute, clock, sleep
        self._lock = threading.Lock()
        self._sent: dict[str, deque[float]] = {}
        self._blocked_until: dict[str, float] = {}

    def request(self, method: str | bytes, url: str | bytes, *args: Any,
                **kwargs: Any) -> requests.Response:
        """Wait for the bucket, send, and remember a 429's Retry-After for the bucket."""
        bucket = bucket_of(str(url))
        self._wait(bucket)
        response = super().request(method, url, *args, **kwargs)
        if response.status_code == 429:
            asked = parse_retry_after(response.headers.get("Retry-After"))
            seconds = min(1.0 if asked is None else asked, MAX_BLOCK)
            with self._lock:
                self._blocked_until[bucket] = self._clock() + seconds
        return response

    def _wait(self, bucket: str) -> None:
        """Sleep until the bucket has a free slot, then take it."""
        while True:
            with self._lock:
                delay = self._delay(bucket)
                if delay <= 0:
                    self._sent.setdefault(bucket, deque()).append(self._clock())
                    return
            self._sleep(delay)

    def _delay(self, bucket: str) -> float:
        """Seconds until this bucket may send (0: now)."""
        now = self._clock()
        blocked = self._blocked_until.get(bucket, 0) - now
        window = self._sent.setdefault(bucket, deque())
        while window and now - window[0] >= 60:
            window.popleft()
        full = window[0] + 60 - now if len(window) >= self.per_minute else 0
        return max(blocked, full, 0)
