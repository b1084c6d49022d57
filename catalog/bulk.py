"""Helpers for bulk work over whole price lists."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """Parsing and importing a price list build hundreds of thousands of acyclic objects;
    the cyclic collector would rescan them again and again, for nothing (a third of the
    parse time of a 50,000-row file)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
