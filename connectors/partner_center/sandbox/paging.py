"""Seek paging of customer lists, as Partner Center does it.

GET /v1/customers?size=N answers one page; when more follow, `links.next` says how to get
the next one: GET /v1/customers?seekOperation=Next with the header MS-ContinuationToken
copied from `links.next.headers` (Partner Center's SDK re-sends neither size nor filter:
the token carries them). Tokens are opaque to clients; ours hold the filter, page size and
position, so a page is the same whatever the client remembers. A token that is not ours
answers 400.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from collections.abc import Callable, Sequence
from typing import Any

from connectors.partner_center.sandbox.errors import bad_request

DEFAULT_SIZE = 500  # size absent or 0 (the SDK's "not set")
TOKEN_HEADER = "MS-ContinuationToken"  # noqa: S105 - a header name, not a secret


def encode(state: dict[str, Any]) -> str:
    """An opaque token, shaped like Partner Center's (commas, slashes, '=' padding)."""
    raw = json.dumps(state, separators=(",", ":")).encode()
    check = format(zlib.crc32(raw), "08x")
    return f"{check},{base64.b64encode(raw).decode()}"


def decode(token: str | None) -> dict[str, Any]:
    """The state a token of ours carries; anything else is refused like Partner Center."""
    try:
        check, _, body = (token or "").partition(",")
        raw = base64.b64decode(body, validate=True)
        if format(zlib.crc32(raw), "08x") != check:
            raise ValueError("checksum")
        state = json.loads(raw)
        if not isinstance(state, dict) or not {"offset", "size"} <= state.keys():
            raise ValueError("fields")
        return state
    except (ValueError, binascii.Error) as exc:
        raise bad_request(2000, "The continuation token is not valid; start again from "
                                "the first page.") from exc


def page(items: Sequence[Any], offset: int, size: int, self_uri: str,
         next_state: Callable[[int], dict[str, Any]], next_uri: str) -> dict[str, Any]:
    """One page of `items` in the collection envelope, with links.next while more remain."""
    chunk = list(items[offset:offset + size])
    links: dict[str, Any] = {"self": {"uri": self_uri, "method": "GET", "headers": []}}
    if offset + size < len(items):
        token = encode(next_state(offset + size))
        links["next"] = {"uri": next_uri, "method": "GET",
                         "headers": [{"key": TOKEN_HEADER, "value": token}]}
    return {"totalCount": len(chunk), "items": chunk, "links": links,
            "attributes": {"objectType": "Collection"}}
