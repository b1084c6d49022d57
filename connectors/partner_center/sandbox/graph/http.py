"""Graph's HTTP conventions in the sandbox: token audience, throttling, injected faults,
client-request-id / request-id, and the error shape {"error": {code, message, innerError}}."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from flask import Response, request
from requests.structures import CaseInsensitiveDict

from connectors.partner_center.sandbox.faults import Fault
from connectors.partner_center.sandbox.state import Sandbox

if TYPE_CHECKING:
    from connectors.partner_center.sandbox.routes import Route


class GraphFault(Exception):
    """A Graph error answer: status, Graph code, message, extra headers."""

    def __init__(self, status: int, code: str, message: str,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers = headers or {}

    def body(self, ids: dict[str, str], now: datetime) -> dict[str, Any]:
        """Graph's documented error shape, innerError carrying the request ids."""
        return {"error": {"code": self.code, "message": self.message, "innerError": {
            "date": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
            "request-id": ids["request-id"], "client-request-id": ids["client-request-id"]}}}


def bad_request(message: str) -> GraphFault:
    """400 badRequest, the code GDAP was seen answering (docs issue #21550)."""
    return GraphFault(400, "badRequest", message)


@dataclass(frozen=True)
class GraphCtx:
    """What a Graph handler needs from the request."""

    params: dict[str, str]
    query: CaseInsensitiveDict  # OData options: $top, $filter, $skiptoken
    body: dict[str, Any]
    partner: str
    base_url: str  # e.g. https://graph.microsoft.com/v1.0, for links and @odata.context


def _principal(header: str) -> str:
    """The partner tenant of a Graph token; Partner Center's tokens are the wrong audience."""
    scheme, _, token = header.partition(" ")
    kind, _, tenant = token.partition(":")
    challenge = {"WWW-Authenticate": 'Bearer realm="", authorization_uri='
                 '"https://login.microsoftonline.com/common/oauth2/authorize", '
                 'client_id="00000003-0000-0000-c000-000000000000"'}
    if scheme.lower() != "bearer" or not token:
        raise GraphFault(401, "InvalidAuthenticationToken", "Access token is empty.", challenge)
    if kind != "sandbox-graph" or not tenant:
        raise GraphFault(401, "InvalidAuthenticationToken",
                         "Access token validation failure. Invalid audience.", challenge)
    return tenant


def _fault_error(fault: Fault) -> GraphFault:
    """An injected error in Graph's shape; 429 and 503 carry Retry-After."""
    codes = {429: "TooManyRequests", 503: "serviceNotAvailable", 504: "gatewayTimeout"}
    headers = {"Retry-After": str(fault.retry_after)} if fault.status in (429, 503) else {}
    return GraphFault(fault.status, fault.code or codes.get(fault.status, "generalException"),
                      f"Injected fault {fault.status}.", headers)


class GraphDispatcher:
    """Runs one Graph route with Graph's cross-cutting behaviour; answers through
    Partner Center's `respond`, which also hides answers for "timeout" faults."""

    def __init__(self, sb: Sandbox, route: Route, sleep: Callable[[float], None],
                 respond: Callable[..., Response]) -> None:
        self.sb, self.route, self.sleep, self.respond = sb, route, sleep, respond

    def __call__(self, **params: str) -> Response:
        ids = {"request-id": str(uuid.uuid4()),
               "client-request-id": request.headers.get("client-request-id")
               or str(uuid.uuid4())}
        fault = None
        try:
            partner = _principal(request.headers.get("Authorization", ""))
            fault = self._gate(partner)
            status, body, headers = self._run(partner, params)
        except GraphFault as error:
            status, body, headers = error.status, error.body(ids, self.sb.now()), error.headers
        return self.respond(status, body, ids | headers, fault)

    def _gate(self, partner: str) -> Fault | None:
        """Throttle, then draw an injected fault (errors raise, slow ones sleep)."""
        with self.sb.lock:
            retry_after = self.sb.throttle(f"graph|{partner}")
            fault = self.sb.faults.take(request.method, request.path)
        if retry_after:
            raise GraphFault(429, "TooManyRequests", "Please retry again later.",
                             {"Retry-After": str(retry_after)})
        if fault and fault.kind == "error":
            raise _fault_error(fault)
        if fault and fault.kind == "slow":
            self.sleep(fault.delay)
        return fault

    def _run(self, partner: str, params: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        """Check the request, then run the handler under the sandbox lock."""
        write = request.method != "GET"
        if write and not self.sb.config.gdap_partner_service_principal:
            raise GraphFault(403, "accessDenied", "The partner tenant has no service principal "
                             "for Partner Customer Delegated Administration "
                             "(2832473f-ec63-45fb-976f-5d45a7d4bb91).")
        body = request.get_json(silent=True) if write else {}
        if not isinstance(body, dict):
            raise bad_request("Empty Payload. JSON content expected.")
        ctx = GraphCtx(params, CaseInsensitiveDict(request.args.to_dict()), body, partner,
                       request.host_url.rstrip("/") + "/v1.0")
        with self.sb.lock:
            answer = self.route.handler(self.sb, ctx)
            if write:
                self.sb.changed()
        return (*answer, {}) if len(answer) == 2 else answer


def served_at(app: Any, base_url: str) -> Callable[..., Any]:
    """The WSGI app as if served at `base_url`: in-process requests keep the scheme and host
    the client used, so the absolute links Graph returns (@odata.nextLink) point back there."""
    scheme, _, host = base_url.partition("://")
    host = host.split("/", 1)[0]

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        environ.update({"wsgi.url_scheme": scheme, "HTTP_HOST": host})
        return app(environ, start_response)

    return wsgi
