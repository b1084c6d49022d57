"""Fault injection for the sandbox: errors, slow answers and "committed but timed out".

A fault matches requests by an fnmatch pattern on "METHOD /path" and fires a number of
times (`count`, None = forever) with a probability (`ratio`, drawn from a seeded random
generator so runs repeat). A slow fault with `delay_max` waits a time drawn uniformly
between `delay` and `delay_max` from the same generator: Partner Center's latency varies
per call, and a benchmark of concurrent checkouts needs that spread, repeatably.
"""

from __future__ import annotations

import fnmatch
import random
from dataclasses import asdict, dataclass
from typing import Any, Literal

FaultKind = Literal["error", "timeout", "slow"]


@dataclass
class Fault:
    """One injected fault.

    kind "error": answer `status` (with `code` and `description`, Partner Center's words
    for it when a test gives them) before doing anything;
    kind "timeout": apply the write, then give the client no answer;
    kind "slow": wait `delay` seconds (or a draw up to `delay_max`), then answer normally.
    `fired` counts the requests it has applied to (a benchmark's Partner Center calls).
    """

    kind: FaultKind = "error"
    endpoint: str = "*"
    status: int = 500
    code: str | None = None
    description: str | None = None
    count: int | None = 1
    ratio: float = 1.0
    delay: float = 0.0
    delay_max: float | None = None
    retry_after: int = 1
    fired: int = 0

    def matches(self, method: str, path: str) -> bool:
        """True when this fault applies to the request and has shots left."""
        if self.count is not None and self.count <= 0:
            return False
        return fnmatch.fnmatchcase(f"{method.upper()} {path}", self.endpoint)


class FaultPlan:
    """The active faults, consumed in the order they were added."""

    def __init__(self, random_seed: int = 0) -> None:
        self._faults: list[Fault] = []
        self._rng = random.Random(random_seed)  # noqa: S311 - repeatable test faults

    def add(self, fault: Fault) -> Fault:
        """Activate a fault."""
        self._faults.append(fault)
        return fault

    def clear(self) -> None:
        """Remove every fault."""
        self._faults.clear()

    def take(self, method: str, path: str) -> Fault | None:
        """Return the fault firing for this request, spending one of its shots."""
        for fault in self._faults:
            if not fault.matches(method, path):
                continue
            if fault.ratio < 1.0 and self._rng.random() >= fault.ratio:
                continue
            if fault.count is not None:
                fault.count -= 1
            fault.fired += 1
            return fault
        return None

    def wait(self, fault: Fault) -> float:
        """Seconds a slow fault holds this request: `delay`, or a seeded draw up to
        `delay_max`. Call it under the sandbox's lock, like `take`: the generator is shared."""
        if fault.delay_max is None or fault.delay_max <= fault.delay:
            return fault.delay
        return self._rng.uniform(fault.delay, fault.delay_max)

    def describe(self) -> list[dict[str, Any]]:
        """The active faults as JSON (for GET /_sandbox/state)."""
        return [asdict(f) for f in self._faults if f.count is None or f.count > 0]
