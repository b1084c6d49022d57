"""The one place that turns errors into HTML pages or JSON bodies."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)

HINTS = {
    400: "The request could not be understood. Go back, check the form and try again.",
    401: "Please sign in first.",
    403: "Your account is not allowed to open this page. Ask your provider's administrator "
    "if you need access.",
    404: "There is nothing here, or it belongs to someone else.",
    405: "That action is not available on this page.",
    500: "Something went wrong on our side. Nothing you entered was lost; please try again.",
}


def wants_json() -> bool:
    """JSON for API paths and clients that prefer JSON over HTML."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes[
        "text/html"
    ]


def render_error(status: int, title: str, detail: str, **extra):
    """Render one error in the client's format; `extra` (e.g. fields) goes in the JSON."""
    if wants_json():
        return jsonify(error={"status": status, "title": title, "detail": detail,
                              **extra}), status
    return render_template("errors/error.html", status=status, title=title, detail=detail), status


def handle_http(error: HTTPException):
    status = error.code or 500
    return render_error(status, error.name, HINTS.get(status, error.description or ""))


def handle_csrf(error: CSRFError):
    detail = (
        "The form's security token was missing or had expired. Reload the page and submit "
        "again; this protects you from forged requests."
    )
    return render_error(400, "Form expired", detail)


def handle_unexpected(error: Exception):
    log.exception("unhandled error on %s %s", request.method, request.path)
    return render_error(500, InternalServerError.name, HINTS[500])


NUL = "\x00"


def refuse_nul():
    """A field holding a NUL character (0x00) is refused by name before any view runs:
    PostgreSQL text cannot hold one, so saving or searching it would fail there."""
    field = _nul_field()
    if field is None:
        return None
    detail = (f"The field {field} contains a NUL character (0x00), which no text may hold; "
              "remove it and send again.")
    return render_error(400, "Bad Request", detail, fields={field: [detail]})


def _nul_field() -> str | None:
    """The first query, form or JSON field (or idempotency key) with a NUL; uploads are
    files, not text, and are not looked at."""
    for values in (request.args, request.form):
        for name, value in values.items(multi=True):
            if NUL in name or NUL in value:
                return name.replace(NUL, "")
    if NUL in request.headers.get("Idempotency-Key", ""):
        return "Idempotency-Key"
    return _nul_in(request.get_json(silent=True), "") if request.is_json else None


def _nul_in(value, path: str) -> str | None:
    """The dotted path of the first JSON string (or key) holding a NUL."""
    if isinstance(value, str):
        return (path or "body") if NUL in value else None
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        name = f"{path}.{key}" if path else str(key)
        if NUL in name:
            return name.replace(NUL, "")
        found = _nul_in(item, name)
        if found:
            return found
    return None


def register(app: Flask) -> None:
    app.before_request(refuse_nul)
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(HTTPException, handle_http)
    if not app.testing:  # tests see the real traceback instead of a 500 page
        app.register_error_handler(Exception, handle_unexpected)
