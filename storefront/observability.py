"""Wires operations/ into the app: logging from the environment, a request id and context
for every request (echoed in X-Request-Id), one log line and the metrics per request, the
connectors' call records counted, and Celery's signals connected."""

from __future__ import annotations

import contextlib
import logging
import time

from flask import Flask, Response, g, request

from operations import celery_hooks, context, logs, metrics
from storefront.security import acting_user

log = logging.getLogger("storefront.requests")
HEADER = "X-Request-Id"
# Probes and static files: no user to look up, and no line per hit (they come every second).
QUIET_ENDPOINTS = {"static", "main.healthz", "operations.readyz", "operations.metrics_page"}


def register(app: Flask) -> None:
    logs.configure(app.config)
    metrics.watch_connectors()
    celery_hooks.connect()
    # The request id first, so even a CSRF or body-size refusal logs with it; the user once
    # the other hooks have vetted the request.
    app.before_request_funcs.setdefault(None, []).insert(0, _enter)
    app.before_request(_bind_user)
    app.after_request(_finish)
    app.teardown_request(_end)


def _bind_user() -> None:
    if request.endpoint in QUIET_ENDPOINTS:
        return
    user = acting_user()
    if user.is_authenticated:
        context.bind(user_id=user.id, reseller_id=getattr(user, "reseller_id", None))


def _enter() -> None:
    g.operations_started = time.perf_counter()
    g.operations_token = context.enter(
        request_id=context.request_id_from(request.headers.get(HEADER)),
        order_id=(request.view_args or {}).get("order_id"))


def _finish(response: Response) -> Response:
    if "operations_token" not in g:  # answered before any hook ran (a routing 404…)
        _enter()
    fields = context.current()
    response.headers[HEADER] = str(fields.get("request_id", ""))
    seconds = time.perf_counter() - g.get("operations_started", time.perf_counter())
    metrics.observe_request(request.endpoint, request.method, response.status_code, seconds)
    if request.endpoint not in QUIET_ENDPOINTS:
        # The path only: a query string may carry a link's token.
        log.info("%s %s %s %s %.0f ms", request.remote_addr, request.method, request.path,
                 response.status_code, seconds * 1000, extra={
                     "remote_addr": request.remote_addr, "method": request.method,
                     "path": request.path, "status": response.status_code,
                     "endpoint": request.endpoint, "duration_ms": round(seconds * 1000, 1)})
    return response


def _end(_error: BaseException | None = None) -> None:
    token = g.pop("operations_token", None)
    if token is not None:
        # Entered in another context (a copied one): nothing to restore.
        with contextlib.suppress(ValueError):
            context.leave(token)
