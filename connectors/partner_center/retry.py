"""Retry policy: which failures to retry and how long to wait between attempts.

Only failures where trying again cannot double a purchase are retried, and always with the
same MS-RequestId (Partner Center's idempotency key): no answer at all (connection error,
timeout), 429 (wait Retry-After) and 5xx. Other 4xx are final.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from connectors.partner_center.errors import PartnerCenterError, ServiceUnavailable, Throttled


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded exponential backoff with jitter; the sleeper is injectable for tests."""

    max_attempts: int = 4
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    sleeper: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)

    def should_retry(self, error: PartnerCenterError, attempt: int) -> bool:
        """Retry throttling, server errors and silence, while attempts remain."""
        return attempt < self.max_attempts and isinstance(error, Throttled | ServiceUnavailable)

    def delay(self, error: PartnerCenterError, attempt: int) -> float:
        """Seconds to wait before the next attempt: Retry-After when given, else backoff."""
        if isinstance(error, Throttled) and error.retry_after is not None:
            return error.retry_after
        ceiling = min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))
        # "Equal jitter": half fixed, half random, so clients that failed together spread out.
        return ceiling / 2 + self.rng.uniform(0, ceiling / 2)

    def wait(self, error: PartnerCenterError, attempt: int) -> None:
        """Sleep before retrying after `attempt` failed."""
        self.sleeper(self.delay(error, attempt))
