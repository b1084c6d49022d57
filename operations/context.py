"""What the current request or task is about (request id, user, reseller, order), kept in
context variables so every log line written while serving it can carry them without each
caller passing them along. Celery tasks inherit the request id through a message header."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

FIELDS = ("request_id", "user_id", "reseller_id", "order_id", "task")
_current: ContextVar[dict[str, object] | None] = ContextVar("operations_context", default=None)

# A client's X-Request-Id is believed when it is a plain token (a proxy's or a load
# balancer's id); anything else would let a caller write arbitrary text into our logs.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")


def request_id_from(header: str | None) -> str:
    """The caller's request id when it is sane, else a new one."""
    if header and SANE_REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


def current() -> dict[str, object]:
    """The fields known so far (a copy)."""
    return dict(_current.get() or {})


def bind(**fields: object) -> None:
    """Add fields to the current context (None values are ignored)."""
    known = {name: value for name, value in fields.items() if value is not None}
    _current.set({**(_current.get() or {}), **known})


def enter(**fields: object) -> Token:
    """Start a fresh context for one request or task; `leave` with the token restores."""
    return _current.set({name: value for name, value in fields.items() if value is not None})


def leave(token: Token) -> None:
    _current.reset(token)


@contextmanager
def scope(**fields: object) -> Iterator[None]:
    """A fresh context for a block, restored afterwards."""
    token = enter(**fields)
    try:
        yield
    finally:
        leave(token)
