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


def render_error(status: int, title: str, detail: str):
    """Render one error in the client's format."""
    if wants_json():
        return jsonify(error={"status": status, "title": title, "detail": detail}), status
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


def register(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(HTTPException, handle_http)
    if not app.testing:  # tests see the real traceback instead of a 500 page
        app.register_error_handler(Exception, handle_unexpected)
