"""Retry policy for Graph calls: which failures to retry and how long to wait.

Only failures where another attempt cannot change what the first one did are retried:
no answer at all (connection error, timeout), 429 (wait Retry-After) and 5xx (wait
Retry-After when Graph sends one). Every attempt keeps the call's client-request-id so the
attempts of one call can be found together in Graph's logs. Other 4xx are final.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from connectors.graph.errors import ServiceUnavailable, Throttled
from connectors.http_retry import BackoffPolicy


@dataclass(frozen=True)
class RetryPolicy(BackoffPolicy):
    retryable: ClassVar[tuple[type[Exception], ...]] = (Throttled, ServiceUnavailable)
