"""OData query options of Graph collections: $filter (eq clauses joined by and), $top
(at most 300) and $skiptoken paging with an absolute @odata.nextLink."""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from connectors.partner_center.sandbox.graph.http import GraphCtx, bad_request

MAX_TOP = 300
METADATA = "/tenantRelationships/$metadata#"

_CLAUSE = re.compile(r"\s*\(?\s*(customer/tenantId|displayName|status)\s+eq\s+"
                     r"'((?:[^']|'')*)'\s*\)?\s*", re.IGNORECASE)
_AND = re.compile(r"and\s+", re.IGNORECASE)


def _filters(text: str | None) -> list[list[str]]:
    """`field eq 'value'` clauses joined by `and` (the forms partner tools use)."""
    clauses, pos, text = [], 0, text or ""
    while pos < len(text):
        match = _CLAUSE.match(text, pos)
        if not match:
            raise bad_request(f"Invalid filter clause: {text[pos:]}")
        clauses.append([match[1].lower(), match[2].replace("''", "'")])
        pos = match.end()
        joined = _AND.match(text, pos) if pos < len(text) else None
        if pos < len(text) and not joined:
            raise bad_request(f"Invalid filter clause: {text[pos:]}")
        pos = joined.end() if joined else pos
    return clauses


def matches(fields: dict[str, str], clauses: list[list[str]]) -> bool:
    """True when every clause holds for `fields` (lower-cased names; values compared
    case-insensitively, as Graph does for these properties)."""
    return all((fields.get(f) or "").casefold() == v.casefold() for f, v in clauses)


def paging(ctx: GraphCtx, default_top: int) -> dict[str, Any]:
    """Offset, page size and filter: from $skiptoken when following a link, else the query."""
    token = ctx.query.get("$skiptoken")
    if token:
        try:
            state = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            return {"o": int(state["o"]), "t": int(state["t"]), "f": list(state["f"])}
        except (ValueError, KeyError, TypeError, binascii.Error) as exc:
            raise bad_request("The $skiptoken is not valid.") from exc
    raw = ctx.query.get("$top")
    top = default_top if raw is None else int(raw) if raw.isdigit() else 0
    if not 1 <= top <= MAX_TOP:
        raise bad_request(f"The value of $top must be between 1 and {MAX_TOP}.")
    return {"o": 0, "t": top, "f": _filters(ctx.query.get("$filter"))}


def page(found: list[Any], state: dict[str, Any], base: str, path: str,
         context: str) -> dict[str, Any]:
    """One page, with @odata.nextLink (absolute, carrying $skiptoken) while more remain."""
    start, top = state["o"], state["t"]
    body: dict[str, Any] = {"@odata.context": f"{base}{METADATA}{context}"}
    if start + top < len(found):
        token = base64.urlsafe_b64encode(json.dumps(state | {"o": start + top}).encode())
        body["@odata.nextLink"] = f"{base}{path}?$top={top}&$skiptoken=" + \
            token.decode().rstrip("=")
    return body | {"value": found[start:start + top]}
