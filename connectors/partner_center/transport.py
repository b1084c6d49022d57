"""HTTP transport: headers, timeouts, retries with the same MS-RequestId, one fresh sign-in
on a 401, typed errors."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import requests

from connectors.partner_center.errors import (
    PartnerCenterError,
    ServiceUnavailable,
    error_from_response,
)
from connectors.partner_center.retry import RetryPolicy

log = logging.getLogger("connectors.partner_center")
# Path segments that are names (customers, carts, validationStatus, v1); anything else (ids,
# tenant domains, product ids) becomes {id}, so an operation is a few dozen label values.
NAME_SEGMENT = re.compile(r"[A-Za-z]+|v\d+")


def operation(method: str, path: str) -> str:
    """A call's operation without its ids, e.g. `POST /v1/customers/{id}/carts`: what the
    logs and metrics group calls by."""
    segments = path.split("?", 1)[0].split("/")
    return f"{method} " + "/".join(
        s if not s or NAME_SEGMENT.fullmatch(s) else "{id}" for s in segments)

TokenKind = Literal["app", "user"]


class TokenProvider(Protocol):
    """Anything that hands out bearer tokens: app-only or app+user."""

    def token(self, kind: TokenKind) -> str:
        """Return a valid access token of the requested kind."""
        ...

    def forget(self, kind: TokenKind, token: str) -> None:
        """Drop a token Partner Center refused (401), so the next `token` is a fresh one."""
        ...


@dataclass(frozen=True)
class Call:
    """One logical Partner Center operation (retries of it share the request id)."""

    method: str
    path: str
    as_user: bool = False  # app+user (Secure Application Model) instead of app-only
    params: Mapping[str, Any] | None = None
    body: Any = None
    ok: Iterable[int] = (200,)
    request_id: str | None = None
    correlation_id: str | None = None
    if_match: str | None = None
    headers: Mapping[str, str] | None = None  # e.g. MS-ContinuationToken from links.next


class Transport:
    """Sends calls with Partner Center's headers, a timeout on every request and retries."""

    def __init__(self, session: requests.Session, base_url: str, token_provider: TokenProvider,
                 *, timeout: tuple[float, float], retry: RetryPolicy, locale: str) -> None:
        self._session = session
        self._base_url = base_url.rstrip("/")
        self._tokens = token_provider
        self._timeout = timeout
        self._retry = retry
        self._locale = locale

    def send(self, call: Call) -> requests.Response:
        """Run the call, retrying silence, 429 and 5xx with the same MS-RequestId."""
        request_id = call.request_id or str(uuid.uuid4())
        correlation_id = call.correlation_id or str(uuid.uuid4())
        attempt = 1
        while True:
            try:
                return self._attempt(call, request_id, correlation_id, attempt)
            except PartnerCenterError as error:
                if not self._retry.should_retry(error, attempt):
                    raise
                self._retry.wait(error, attempt)
                attempt += 1

    def token(self, kind: TokenKind) -> str:
        """A bearer token of this kind from the provider (never logged)."""
        return self._tokens.token(kind)

    def wait(self, attempt: int) -> None:
        """Pause as between retries (backoff with jitter), e.g. while polling a 202."""
        self._retry.wait(None, attempt)

    def _attempt(self, call: Call, request_id: str, correlation_id: str,
                 attempt: int) -> requests.Response:
        """One HTTP exchange; raises a typed error for anything but the expected statuses.

        A 401 is answered once by dropping the token (msal would hand the refused token out
        until it expires) and sending the same request, same MS-RequestId, with a fresh one;
        only a second 401 is raised (ReauthenticationRequired)."""
        kind: TokenKind = "user" if call.as_user else "app"
        bearer = self._tokens.token(kind)
        response = self._exchange(call, bearer, request_id, correlation_id, attempt)
        if response.status_code == 401 and 401 not in tuple(call.ok):
            # No `upstream` field: the refused exchange was already logged (and counted).
            log.warning("partner center %s %s: token refused (401), signing in again",
                        call.method, call.path, extra={"ms_request_id": request_id})
            self._tokens.forget(kind, bearer)
            response = self._exchange(call, self._tokens.token(kind), request_id,
                                      correlation_id, attempt)
        if response.status_code in tuple(call.ok):
            return response
        raise error_from_response(response, request_id, correlation_id)

    def _exchange(self, call: Call, bearer: str, request_id: str, correlation_id: str,
                  attempt: int) -> requests.Response:
        """Send the request once with this bearer token and log its outcome."""
        headers = self._headers(call, bearer, request_id, correlation_id)
        # The call's fields on its log line: operations/ counts them and the order's log
        # follows them to Microsoft (the ids are what Microsoft's support asks for).
        fields = {"upstream": "partner_center", "operation": operation(call.method, call.path),
                  "attempt": attempt, "ms_request_id": request_id,
                  "ms_correlation_id": correlation_id}
        started = time.perf_counter()
        try:
            response = self._session.request(
                call.method, self._base_url + call.path, params=call.params,
                json=call.body, headers=headers, timeout=self._timeout)
        except (requests.ConnectionError, requests.Timeout) as exc:
            log.warning("partner center %s %s: no answer (%s), attempt %d, MS-RequestId %s",
                        call.method, call.path, type(exc).__name__, attempt, request_id,
                        extra={**fields, "status": "no_answer",
                               "latency_ms": _elapsed_ms(started)})
            raise ServiceUnavailable(
                f"No answer from Partner Center ({type(exc).__name__})",
                request_id=request_id, correlation_id=correlation_id) from exc
        log.info("partner center %s %s -> %d, attempt %d, MS-RequestId %s", call.method,
                 call.path, response.status_code, attempt, request_id,
                 extra={**fields, "status": response.status_code,
                        "latency_ms": _elapsed_ms(started)})
        return response

    def _headers(self, call: Call, bearer: str, request_id: str,
                 correlation_id: str) -> dict[str, str]:
        """Build Partner Center's request headers for one attempt."""
        headers = {
            "Authorization": f"Bearer {bearer}",
            "Accept": "application/json",
            "MS-RequestId": request_id,
            "MS-CorrelationId": correlation_id,
            "MS-Contract-Version": "v1",
            "X-Locale": self._locale,
        }
        if call.if_match:
            etag = call.if_match
            headers["If-Match"] = etag if etag.startswith('"') else f'"{etag}"'
        return headers | dict(call.headers or {})


def _elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)
