"""Following Graph's @odata.nextLink, one page at a time.

A collection with more items carries `@odata.nextLink`, an absolute URL whose $skiptoken
holds the position; Graph's paging guide says to request it as given. Callers get items as
pages arrive and never hold more than one page.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from connectors.graph.transport import Call, Transport

NEXT_LINK = "@odata.nextLink"


def pages(transport: Transport, call: Call) -> Iterator[dict[str, Any]]:
    """Every page of a collection, first to last; stops if a link repeats."""
    seen: set[str] = set()
    current: Call | None = call
    while current is not None:
        page = transport.send(current).json()
        yield page if isinstance(page, dict) else {}
        link = page.get(NEXT_LINK) if isinstance(page, dict) else None
        if not link or link in seen:  # a repeated link would otherwise loop forever
            return
        seen.add(link)
        current = Call("GET", str(link))


def items(transport: Transport, call: Call) -> Iterator[Any]:
    """Every item (`value` entry) of every page, streamed."""
    for page in pages(transport, call):
        values = page.get("value")
        yield from values if isinstance(values, list) else []
