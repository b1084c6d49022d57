"""Retry policy for Graph calls: which failures to retry and how long to wait.

Only failures where another attempt cannot change what the first one did are retried:
no answer at all (connection error, timeout), 429 (wait Retry-After) and 5xx (wait
Retry-After when Graph sends one). Every attempt keeps the call's client-request-id so the
attempts of one call can be found together in Graph's logs. Other 4xx are final.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from connectors.graph.errors import GraphError, ServiceUnavailable, Throttled


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded exponential backoff with jitter; the sleeper is injectable for tests."""

    max_attempts: int = 4
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    sleeper: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)

    def should_retry(self, error: GraphError, attempt: int) -> bool:
        """Retry throttling, server errors and silence, while attempts remain."""
        return attempt < self.max_attempts and isinstance(error, Throttled | ServiceUnavailable)

    def delay(self, error: GraphError, attempt: int) -> float:
        """Seconds before the next attempt: Graph's Retry-After when given, else backoff."""
        if error.retry_after is not None:
            return error.retry_after
        ceiling = min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))
        # "Equal jitter": half fixed, half random, so clients that failed together spread out.
        return ceiling / 2 + self.rng.uniform(0, ceiling / 2)

    def wait(self, error: GraphError, attempt: int) -> None:
        """Sleep before retrying after `attempt` failed."""
        self.sleeper(self.delay(error, attempt))
