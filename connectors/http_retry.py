"""The retry loop's policy shared by the Partner Center and Graph clients: which failures
to retry and how long to wait. Each client names its own retryable errors; both retry only
where another attempt cannot change what the first did (no answer, 429, 5xx)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar


@dataclass(frozen=True)
class BackoffPolicy:
    """Bounded exponential backoff with jitter; the sleeper is injectable for tests."""

    retryable: ClassVar[tuple[type[Exception], ...]] = ()

    max_attempts: int = 4
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    sleeper: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)

    def should_retry(self, error: Exception, attempt: int) -> bool:
        """Retry throttling, server errors and silence, while attempts remain."""
        return attempt < self.max_attempts and isinstance(error, self.retryable)

    def retry_after(self, error: Exception) -> float | None:
        """The server's own wait, when it sent one."""
        return getattr(error, "retry_after", None)

    def delay(self, error: Exception, attempt: int) -> float:
        """Seconds before the next attempt: the server's Retry-After when given, else backoff."""
        asked = self.retry_after(error)
        if asked is not None:
            return asked
        ceiling = min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))
        # "Equal jitter": half fixed, half random, so clients that failed together spread out.
        return ceiling / 2 + self.rng.uniform(0, ceiling / 2)

    def wait(self, error: Exception, attempt: int) -> None:
        """Sleep before retrying after `attempt` failed."""
        self.sleeper(self.delay(error, attempt))
