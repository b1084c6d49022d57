"""The sandbox as a WSGI app: auth, throttling, faults and idempotency around every route.

Order of checks per request, as Partner Center answers them: bearer token (401), rate
limit (429), injected fault, app+user requirement (403/900329), replay of a known
MS-RequestId on a write (the first stored answer, nothing new created), then the operation.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, request
from requests.structures import CaseInsensitiveDict
from werkzeug.exceptions import HTTPException

from connectors.partner_center import wire
from connectors.partner_center.sandbox.admin import admin_blueprint
from connectors.partner_center.sandbox.entra import entra_blueprint
from connectors.partner_center.sandbox.errors import SandboxError
from connectors.partner_center.sandbox.faults import Fault
from connectors.partner_center.sandbox.graph import GraphDispatcher
from connectors.partner_center.sandbox.graph.billing import blob_blueprint
from connectors.partner_center.sandbox.routes import ROUTES, Ctx, Route
from connectors.partner_center.sandbox.state import Sandbox

IN_PROCESS = "sandbox.in_process"  # WSGI environ key set by the `responses` router
TIMEOUT_HEADER = "X-Sandbox-Timeout"  # tells the router to raise ReadTimeout instead
_WRITES = ("POST", "PATCH", "PUT", "DELETE")
_NOT_STORED = (409, 429)


def _principal(header: str) -> tuple[str, str]:
    """(kind, partner tenant) from `Bearer sandbox-app:<tenant>`; 401 otherwise."""
    scheme, _, token = header.partition(" ")
    kind, _, tenant = token.partition(":")
    if scheme.lower() == "bearer" and kind == "sandbox-graph":
        raise SandboxError(401, 900420, "The token audience is not Partner Center.",
                           headers={"WWW-Authenticate": "OAuth realm=urn:cpsvc:cpid:sandbox"})
    if scheme.lower() != "bearer" or kind not in ("sandbox-app", "sandbox-user") or not tenant:
        raise SandboxError(401, 800001, "The partner token is missing or invalid.",
                           headers={"WWW-Authenticate": "OAuth realm=urn:cpsvc:cpid:sandbox"})
    return kind.removeprefix("sandbox-"), tenant


def _fault_error(fault: Fault) -> SandboxError:
    """The answer of an injected error fault, in the documented shape for its status."""
    if fault.status == 429:
        return SandboxError(429, None, "Rate limit is exceeded. Try again in "
                            f"{fault.retry_after} seconds.",
                            headers={"Retry-After": str(fault.retry_after)})
    return SandboxError(fault.status, int(fault.code) if fault.code else fault.status,
                        fault.description or f"Injected fault {fault.status}.")


class _Dispatcher:
    """Runs one route with the cross-cutting Partner Center behaviour."""

    def __init__(self, sb: Sandbox, route: Route, sleep: Callable[[float], None]) -> None:
        self.sb, self.route, self.sleep = sb, route, sleep

    def __call__(self, **params: str) -> Response:
        request_id = request.headers.get("MS-RequestId") or str(uuid.uuid4())
        echo = {"MS-RequestId": request_id,
                "MS-CorrelationId": request.headers.get("MS-CorrelationId") or str(uuid.uuid4()),
                "MS-CV": uuid.uuid4().hex[:16], "MS-ServerId": "sandbox"}
        fault = None
        try:
            kind, partner = _principal(request.headers.get("Authorization", ""))
            fault = self._gate(partner, params)
            status, body, headers = self._run(kind, partner, params, request_id)
            echo |= headers
        except SandboxError as error:
            status, body, echo = error.status, error.body(), echo | error.headers
        return self._respond(status, body, echo, fault)

    def _gate(self, partner: str, params: dict[str, str]) -> Fault | None:
        """Throttle, then draw an injected fault (errors raise, slow sleeps)."""
        with self.sb.lock:
            retry_after = self.sb.throttle(f"{partner}|{params.get('customer', '')}")
            fault = self.sb.faults.take(request.method, request.path)
            delay = self.sb.faults.wait(fault) if fault and fault.kind == "slow" else 0.0
        if retry_after:
            raise SandboxError(429, None, "Rate limit is exceeded. Try again in "
                               f"{retry_after} seconds.", headers={"Retry-After": str(retry_after)})
        if fault and fault.kind == "error":
            raise _fault_error(fault)
        if delay:
            self.sleep(delay)  # outside the lock: slow calls overlap, as Partner Center's do
        return fault

    def _run(self, kind: str, partner: str, params: dict[str, str],
             request_id: str) -> tuple[int, Any, dict[str, str]]:
        """Replay a stored write answer, or run the handler and store its answer."""
        if self.route.app_user and kind != "user":
            raise SandboxError(403, 900329, "This operation requires an app+user token.")
        key = f"{request.method} {request.path} {request_id}"
        write = request.method in _WRITES and "MS-RequestId" in request.headers
        with self.sb.lock:
            stored = self.sb.data["idempotency"].get(key) if write else None
        if stored:
            return stored["status"], stored["body"], stored.get("headers", {})
        # Partner Center reads query parameter names in any case (?mpnid= as ?mpnId=).
        ctx = Ctx(params=params, query=CaseInsensitiveDict(request.args.to_dict()),
                  body=wire.camelize(request.get_json(silent=True) or {}), partner=partner,
                  user=f"{kind}@{partner}", if_match=request.headers.get("If-Match"),
                  continuation=request.headers.get("MS-ContinuationToken"))
        try:
            status, body, headers = self._call(ctx)
        except SandboxError as error:
            status, body, headers = error.status, error.body(), {}
            if error.headers or status in _NOT_STORED:
                raise
        self._store(write, key, status, body, headers)
        return status, body, headers

    def _call(self, ctx: Ctx) -> tuple[int, Any, dict[str, str]]:
        """Run the handler, under the lock unless it manages the lock itself; a handler
        answers (status, body) or, with headers such as Location, (status, body, headers)."""
        if not self.route.locked:
            answer = self.route.handler(self.sb, ctx)
        else:
            with self.sb.lock:
                answer = self.route.handler(self.sb, ctx)
        return (*answer, {}) if len(answer) == 2 else answer

    def _store(self, write: bool, key: str, status: int, body: Any,
               headers: dict[str, str]) -> None:
        """Remember a write's answer under its MS-RequestId and persist."""
        if not write or status >= 500 or status in _NOT_STORED:
            return
        with self.sb.lock:
            self.sb.data["idempotency"][key] = {"status": status, "body": body,
                                                "headers": headers}
            self.sb.changed()

    def _respond(self, status: int, body: Any, headers: dict[str, str],
                 fault: Fault | None) -> Response:
        """Build the answer; a timeout fault hides it from the client after the write."""
        text = "" if body is None or request.method == "HEAD" else json.dumps(body)
        response = Response(text, status=status, headers=headers,
                            content_type="application/json; charset=utf-8")
        if fault and fault.kind == "timeout":
            if request.environ.get(IN_PROCESS):
                response.headers[TIMEOUT_HEADER] = "1"
            else:
                self.sleep(fault.delay or self.sb.config.timeout_sleep_seconds)
        return response


def create_sandbox_app(sandbox: Sandbox, *,
                       sleep: Callable[[float], None] = time.sleep) -> Flask:
    """WSGI app serving Partner Center's endpoints from `sandbox`, plus /_sandbox admin."""
    app = Flask("partner_center_sandbox", static_folder=None)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    for route in ROUTES:
        endpoint = f"{route.method} {route.rule}"
        view: Any = _Dispatcher(sandbox, route, sleep)
        if route.audience == "graph":  # Graph's token audience and error shape
            view = GraphDispatcher(sandbox, route, sleep, respond=view._respond)
        app.add_url_rule(route.rule, endpoint=endpoint, methods=[route.method], view_func=view)
    app.register_blueprint(admin_blueprint(sandbox))
    app.register_blueprint(entra_blueprint(sandbox))  # Entra ID sign-in double
    app.register_blueprint(blob_blueprint(sandbox))  # the billing export's files (no token)
    app.register_error_handler(HTTPException, _http_error)
    app.extensions["partner_center_sandbox"] = sandbox
    return app


def _http_error(error: HTTPException) -> Response:
    """An unknown path or method answers in Partner Center's JSON error shape, not HTML."""
    status = error.code or 500
    fault = SandboxError(status, status, _ROUTING.get(status, error.description or error.name))
    return Response(json.dumps(fault.body()), status=status,
                    content_type="application/json; charset=utf-8")


_ROUTING = {404: "The requested resource was not found.",
            405: "The requested method is not supported for this resource."}
