"""Fault injection for the sandbox: errors, slow answers and "committed but timed out".

A fault matches requests by an fnmatch pattern on "METHOD /path" and fires a number of
times (`count`, None = forever) with a probability (`ratio`, drawn from a seeded random
generator so runs repeat).
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

    kind "error": answer `status` (with `code`) before doing anything;
    kind "timeout": apply the write, then give the client no answer;
    kind "slow": wait `delay` seconds, then answer normally.
    """

    kind: FaultKind = "error"
    endpoint: str = "*"
    status: int = 500
    code: str | None = None
    count: int | None = 1
    ratio: float = 1.0
    delay: float = 0.0
    retry_after: int = 1

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
            return fault
        return None

    def describe(self) -> list[dict[str, Any]]:
        """The active faults as JSON (for GET /_sandbox/state)."""
        return [asdict(f) for f in self._faults if f.count is None or f.count > 0]
