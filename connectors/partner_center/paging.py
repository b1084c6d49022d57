"""Following Partner Center's collection links, one page at a time.

A collection that has more answers `links.next` = {uri, method, headers}. As Partner
Center's own SDK does, the next request is that uri exactly as given (its query is already
complete: seekOperation=Next and the like) with every `links.next.headers` entry copied
onto it (MS-ContinuationToken). Link uris are relative and inconsistent about the /v1
prefix, so it is added when missing. Callers get the pages as they come and never hold
more than one.

Custom term end dates page differently (custom-term-end-dates): 300 a page, the
continuation token in a response header, sent back as a request header
(`header_items`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from connectors.partner_center import wire
from connectors.partner_center.transport import Call, Transport

CONTINUATION = "MS-ContinuationToken"


def api_path(uri: str) -> str:
    """A link's uri as a path under the API root: host dropped, /v1 added when missing."""
    parts = urlsplit(uri)
    path = parts.path if parts.path.startswith("/") else "/" + parts.path
    if not path.startswith("/v1/"):
        path = "/v1" + path
    return path + (f"?{parts.query}" if parts.query else "")


def next_call(page: Any, previous: Call) -> Call | None:
    """The request for the page after `page`, or None on the last page."""
    link = wire.obj(wire.obj(page, "links"), "next")
    uri = wire.text(link, "uri")
    if not uri:
        return None
    headers = {wire.text(h, "key"): wire.text(h, "value") for h in wire.items(link, "headers")
               if wire.text(h, "key")}
    return replace(previous, method=wire.text(link, "method", "GET").upper(),
                   path=api_path(uri), params=None, headers=headers, request_id=None)


def pages(transport: Transport, call: Call) -> Iterator[Any]:
    """Every page of a collection, first to last; stops if a page points back at itself."""
    seen: set[tuple[str, tuple]] = set()
    while call is not None:
        key = (call.path, tuple(sorted((call.headers or {}).items())))
        if key in seen:  # a server repeating a link would otherwise loop forever
            return
        seen.add(key)
        page = transport.send(call).json()
        yield page
        call = next_call(page, call)


def header_items(transport: Transport, call: Call) -> Iterator[Any]:
    """Every item of a collection paged by a response header instead (customTermEndDates):
    while an answer carries MS-ContinuationToken, the same request is sent again with that
    header; stops if a token comes back twice."""
    seen: set[str] = set()
    while True:
        response = transport.send(call)
        yield from wire.items(response.json())
        token = response.headers.get(CONTINUATION)
        if not token or token in seen:
            return
        seen.add(token)
        call = replace(call, headers={**(call.headers or {}), CONTINUATION: token},
                       request_id=None)


def items(transport: Transport, call: Call) -> Iterator[Any]:
    """Every item of every page, streamed."""
    for page in pages(transport, call):
        yield from wire.items(page)
