"""HTTP transport for Graph: headers, a timeout on every call, retries, typed errors.

Each logical call gets one client-request-id, sent on every attempt of it, so the attempts
of a call share one id in Graph's logs and in ours. A 401 is answered once: the refused
token is dropped from msal's cache and the same request is sent again with a fresh one
(as the Partner Center transport does); a second 401 is raised. Absolute URLs (Graph's
@odata.nextLink) are followed only when they stay under the configured base URL: the
bearer token never goes to another host.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import requests

from connectors.graph.errors import GraphError, ServiceUnavailable, error_from_response
from connectors.graph.retry import RetryPolicy
from connectors.partner_center.transport import operation

log = logging.getLogger("connectors.graph")


class TokenProvider(Protocol):
    """Anything that hands out bearer tokens for Microsoft Graph."""

    def token(self) -> str:
        """Return a valid access token for https://graph.microsoft.com."""
        ...

    def forget(self, token: str) -> None:
        """Drop a token Graph refused (401), so the next `token` is a fresh one."""
        ...


@dataclass(frozen=True)
class Call:
    """One logical Graph operation; its attempts share the client-request-id."""

    method: str
    path: str  # under the base URL, or an absolute @odata.nextLink below it
    params: Mapping[str, str] | None = None
    body: Any = None
    ok: Iterable[int] = (200,)
    client_request_id: str | None = None


class Transport:
    """Sends calls with Graph's headers, a (connect, read) timeout and retries."""

    def __init__(self, session: requests.Session, base_url: str, token_provider: TokenProvider,
                 *, timeout: tuple[float, float], retry: RetryPolicy) -> None:
        self._session = session
        self.base_url = base_url.rstrip("/")
        self._tokens = token_provider
        self._timeout = timeout
        self._retry = retry

    def send(self, call: Call) -> requests.Response:
        """Run the call, retrying silence, 429 and 5xx with the same client-request-id."""
        request_id = call.client_request_id or str(uuid.uuid4())
        url = self.url(call.path)
        attempt = 1
        while True:
            try:
                return self._attempt(call, url, request_id, attempt)
            except GraphError as error:
                if not self._retry.should_retry(error, attempt):
                    raise
                self._retry.wait(error, attempt)
                attempt += 1

    def token(self) -> str:
        """A bearer token from the provider (never logged)."""
        return self._tokens.token()

    def url(self, path: str) -> str:
        """The absolute URL of a path, refusing links that leave the base URL."""
        if not path.startswith(("http://", "https://")):
            return self.base_url + path
        if path == self.base_url or path.startswith(self.base_url + "/"):
            return path
        raise GraphError(f"Refusing to follow a link outside {self.base_url}: {path}")

    def _attempt(self, call: Call, url: str, request_id: str,
                 attempt: int) -> requests.Response:
        """One HTTP exchange; a typed error for anything but the expected statuses. A 401
        drops the token (msal would hand the refused one out until it expires) and sends
        the same request, same client-request-id, once more with a fresh token; only a
        second 401 is raised (ReauthenticationRequired)."""
        bearer = self._tokens.token()
        response = self._exchange(call, url, bearer, request_id, attempt)
        if response.status_code == 401 and 401 not in tuple(call.ok):
            log.warning("graph %s %s: token refused (401), signing in again", call.method,
                        call.path, extra={"client_request_id": request_id})
            self._tokens.forget(bearer)
            response = self._exchange(call, url, self._tokens.token(), request_id, attempt)
        if response.status_code in tuple(call.ok):
            return response
        raise error_from_response(response, request_id)

    def _exchange(self, call: Call, url: str, bearer: str, request_id: str,
                  attempt: int) -> requests.Response:
        """Send the request once with this bearer token and log its outcome."""
        # The call's fields on its log line, for operations/'s metrics and the order's log.
        fields = {"upstream": "graph", "attempt": attempt, "client_request_id": request_id,
                  "operation": operation(call.method, url.removeprefix(self.base_url))}
        started = time.perf_counter()
        try:
            response = self._session.request(
                call.method, url, params=call.params, json=call.body,
                headers=self._headers(bearer, request_id), timeout=self._timeout)
        except (requests.ConnectionError, requests.Timeout) as exc:
            log.warning("graph %s %s: no answer (%s), attempt %d, client-request-id %s",
                        call.method, call.path, type(exc).__name__, attempt, request_id,
                        extra={**fields, "status": "no_answer", "latency_ms": _ms(started)})
            raise ServiceUnavailable(f"No answer from Microsoft Graph ({type(exc).__name__})",
                                     client_request_id=request_id) from exc
        log.info("graph %s %s -> %d, attempt %d, client-request-id %s", call.method,
                 call.path, response.status_code, attempt, request_id,
                 extra={**fields, "status": response.status_code, "latency_ms": _ms(started)})
        return response

    def _headers(self, bearer: str, request_id: str) -> dict[str, str]:
        """Graph's request headers for one attempt."""
        return {"Authorization": f"Bearer {bearer}",
                "Accept": "application/json",
                "client-request-id": request_id,
                # Ask Graph to echo our id so support can match both sides of a call.
                "return-client-request-id": "true"}


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)
