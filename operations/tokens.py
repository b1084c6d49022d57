"""The last token outcome per source (Partner Center app/user, Graph) in this process, read
off the connectors' token records: readiness trusts a recent success instead of asking
Entra ID on every probe, and the status page shows when the newest token runs out."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class TokenState:
    ok: bool
    at: float  # time.time() of the outcome
    expires_at: float | None = None
    problem: str = ""


_lock = threading.Lock()
_states: dict[tuple[str, str], TokenState] = {}


def record(source: str, kind: str, state: TokenState) -> None:
    with _lock:
        _states[(source, kind)] = state


def latest(source: str) -> TokenState | None:
    """The newest outcome of any kind for this source."""
    with _lock:
        found = [state for (name, _kind), state in _states.items() if name == source]
    return max(found, key=lambda state: state.at, default=None)


def all_states() -> dict[tuple[str, str], TokenState]:
    with _lock:
        return dict(_states)


def now() -> float:
    return time.time()
