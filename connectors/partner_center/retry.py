"""Retry policy: which failures to retry and how long to wait between attempts.

Only failures where trying again cannot double a purchase are retried, and always with the
same MS-RequestId (Partner Center's idempotency key): no answer at all (connection error,
timeout), 429 (wait Retry-After) and 5xx. Other 4xx are final.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from connectors.http_retry import BackoffPolicy
from connectors.partner_center.errors import ServiceUnavailable, Throttled


@dataclass(frozen=True)
class RetryPolicy(BackoffPolicy):
    retryable: ClassVar[tuple[type[Exception], ...]] = (Throttled, ServiceUnavailable)

    def retry_after(self, error: Exception) -> float | None:
        """Partner Center's Retry-After is documented for 429 only; a 5xx waits by backoff."""
        return error.retry_after if isinstance(error, Throttled) else None
