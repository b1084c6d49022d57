"""Microsoft Graph errors, named by what the caller should do about them.

One root, `GraphError`, carries the HTTP status, Graph's `error.code` (and the most nested
`innerError.code`, which Graph calls the more specific one), the message, and the
request-id / client-request-id pair support asks for. Graph's codes are generic
(badRequest, itemNotFound, TooManyRequests...), so the subclass is picked by status;
`retryable` says whether the same call may succeed later.
"""

from __future__ import annotations

import json
from typing import Any

import requests

from connectors.http_retry import parse_retry_after


class GraphError(Exception):
    """A failed Graph call; `retryable` says whether trying again later can help."""

    default_retryable = False

    def __init__(self, message: str, *, http_status: int | None = None,
                 code: str | None = None, inner_code: str | None = None,
                 request_id: str | None = None, client_request_id: str | None = None,
                 retry_after: float | None = None, retryable: bool | None = None) -> None:
        super().__init__(message)
        self.message, self.http_status = message, http_status
        self.code, self.inner_code = code, inner_code
        self.request_id, self.client_request_id = request_id, client_request_id
        self.retry_after = retry_after
        self.retryable = self.default_retryable if retryable is None else retryable

    def __str__(self) -> str:
        where = f"HTTP {self.http_status}" if self.http_status else "no response"
        code = f" {self.code}" if self.code else ""
        return (f"{where}{code}: {self.message} (request-id {self.request_id}, "
                f"client-request-id {self.client_request_id})")


class ReauthenticationRequired(GraphError):
    """The token was refused (401) or could not be obtained: fix the app credentials."""


class AccessDenied(GraphError):
    """403: the app lacks DelegatedAdminRelationship permissions or the partner service
    principal (2832473f-ec63-45fb-976f-5d45a7d4bb91) is missing in the partner tenant."""


class InvalidRequest(GraphError):
    """Graph refused the input or the relationship's state (400 and other 4xx): fix it."""


class NotFound(GraphError):
    """The relationship or assignment does not exist for this partner (404)."""


class Conflict(GraphError):
    """The resource's state or etag does not match the request (409, 412)."""


class Throttled(GraphError):
    """Rate limit hit (429): wait `retry_after` seconds."""

    default_retryable = True


class ServiceUnavailable(GraphError):
    """Graph failed (5xx) or did not answer (connection error, timeout)."""

    default_retryable = True


def _class_for(status: int) -> type[GraphError]:
    """Graph's codes are generic, so the HTTP status decides what the caller can do."""
    by_status: dict[int, type[GraphError]] = {
        401: ReauthenticationRequired, 403: AccessDenied, 404: NotFound, 409: Conflict,
        412: Conflict, 429: Throttled}
    if status in by_status:
        return by_status[status]
    return ServiceUnavailable if status >= 500 else InvalidRequest


def _error_body(text: str) -> dict[str, Any]:
    """The `error` object of a Graph error body, or {} when the body is not one."""
    try:
        body = json.loads(text) if text else {}
    except ValueError:
        return {}
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


def _inner_errors(error: dict[str, Any]) -> list[dict[str, Any]]:
    """The nested innerError objects, outermost first (Graph nests them recursively)."""
    chain: list[dict[str, Any]] = []
    inner = error.get("innerError") or error.get("innererror")
    while isinstance(inner, dict) and len(chain) < 10:
        chain.append(inner)
        inner = inner.get("innerError") or inner.get("innererror")
    return chain


def _first(chain: list[dict[str, Any]], key: str) -> str | None:
    """The first non-empty `key` along the chain, as text."""
    return next((str(item[key]) for item in chain if item.get(key)), None)


def retry_after(response: requests.Response) -> float | None:
    """Retry-After in seconds (a fraction, as the docs show 2.128, or an HTTP-date)."""
    return parse_retry_after(response.headers.get("Retry-After"))


def error_from_response(response: requests.Response, client_request_id: str) -> GraphError:
    """Turn a non-success Graph response into the matching typed error."""
    error = _error_body(response.text)
    chain = _inner_errors(error)
    return _class_for(response.status_code)(
        str(error.get("message") or f"HTTP {response.status_code}"),
        http_status=response.status_code, code=error.get("code") or None,
        # Graph: the most nested code is the most specific one.
        inner_code=_first(chain[::-1], "code"),
        request_id=response.headers.get("request-id") or _first(chain, "request-id"),
        client_request_id=response.headers.get("client-request-id") or client_request_id,
        retry_after=retry_after(response))
