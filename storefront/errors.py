"""The one place that turns errors into HTML pages or JSON bodies.

Every rule's refusal (checkout, subscriptions, commitments) is a `refusals.Refused`. The API
lets it rise to `handle_refused`, which answers JSON with every problem and its code; a page
that re-renders itself with the submitted values kept names its renderer with
`@renders_refusals`, which answers HTML through it and JSON through the same mapping.

An unexpected error is logged with its traceback and answered with a 500 page (or JSON)
that names nothing of it; bodies too large or too deeply nested are 413 and 400 (bodies.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial, wraps

from flask import Flask, Response, current_app, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from persistence import db
from refusals import Refused
from storefront.bodies import NestedTooDeep

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
INTERNAL_ERROR = "Internal Server Error"


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


def refused_json(error: Refused):
    """A refusal as the API answers it: 403 with the code for a missing permission, 422
    with every problem (rule, code, message, field, fix link, line) for a rule's no (409
    when the provider's deactivation refuses it, K9)."""
    if error.status == 403:
        return jsonify(error={"status": 403, "title": "Forbidden", "detail": str(error),
                              "code": error.codes[0]}), 403
    title = "Conflict" if error.status == 409 else "Unprocessable Entity"
    return jsonify(error={"status": error.status, "title": title,
                          "detail": error.summary, "problems": error.problem_dicts()}
                   ), error.status


def handle_refused(error: Refused):
    """A refusal no page renders itself: JSON for the API, else a page listing each
    problem with its fix link. Nothing the refused action wrote is kept."""
    db.session.rollback()
    if wants_json():
        return refused_json(error)
    return render_template("errors/refused.html", error=error), error.status


def respond_to_refusal(error: Refused, render: Callable[[], object]):
    """The answer to a refusal a page renders itself: nothing it wrote is kept; JSON when the
    client asked for it, else the page as `render()` draws it with the problems."""
    db.session.rollback()
    return refused_json(error) if wants_json() else render()


def renders_refusals(render: Callable[..., object]) -> Callable:
    """A view decorator: a refusal the view raises re-renders its page through
    `render(error, **view_args)` (the submitted values kept, each problem by its field),
    or answers JSON when the client asked for it."""
    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            try:
                return view(*args, **kwargs)
            except Refused as error:
                return respond_to_refusal(error, partial(render, error, **kwargs))
        return wrapper
    return decorate


def handle_http(error: HTTPException):
    status = error.code or 500
    return render_error(status, error.name, HINTS.get(status, error.description or ""))


def handle_csrf(error: CSRFError):
    detail = (
        "The form's security token was missing or had expired. Reload the page and submit "
        "again; this protects you from forged requests."
    )
    return render_error(400, "Form expired", detail)


def handle_too_large(error: RequestEntityTooLarge):
    """Over MAX_CONTENT_LENGTH (or, for a form, MAX_FORM_PARTS fields)."""
    config = current_app.config
    detail = (f"The request is larger than this site accepts: at most "
              f"{config['MAX_CONTENT_LENGTH'] / 1024 / 1024:g} MiB and "
              f"{config['MAX_FORM_PARTS']:,} form fields. Send less at once, e.g. fewer "
              "lines or shorter texts.")
    return render_error(413, "Content Too Large", detail)


def handle_nested(error: NestedTooDeep):
    return render_error(400, "Bad Request", error.description,
                        fields={error.field: [error.description]})


def handle_unexpected(error: Exception):
    """A 500 that names nothing of the error; the traceback goes to the log only."""
    log.error("unhandled error on %s %s", request.method, request.path, exc_info=error)
    try:
        db.session.rollback()  # what failed may have been a write; the page queries too
        return render_error(500, INTERNAL_ERROR, HINTS[500])
    except Exception:  # the page needs what failed (e.g. the database): answer without it
        log.exception("the 500 page could not be drawn either")
        return bare_500()


def bare_500():
    """The 500 answer that needs no template, no database and no signed-in user."""
    if wants_json():
        return jsonify(error={"status": 500, "title": INTERNAL_ERROR, "detail": HINTS[500]}), 500
    return Response(f"500 {INTERNAL_ERROR}\n\n{HINTS[500]}\n", 500, mimetype="text/plain")


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


# The bodies werkzeug parses into request.form (any other type leaves it empty).
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _nul_field() -> str | None:
    """The first query, form or JSON field (or idempotency key) with a NUL; uploads are
    files, not text, and are not looked at."""
    for values in _text_fields():
        for name, value in values.items(multi=True):
            if NUL in name or NUL in value:
                return name.replace(NUL, "")
    if NUL in request.headers.get("Idempotency-Key", ""):
        return "Idempotency-Key"
    return _nul_in(request.get_json(silent=True), "") if request.is_json else None


def _text_fields() -> list:
    """The query and form fields a NUL could be in. The query is decoded only when its raw
    text holds one (%00, or the byte itself), and the form only for a form's body: every
    page ran both, ~50 us of a shop page (#27)."""
    query = request.query_string
    found = [request.args] if b"%00" in query or b"\x00" in query else []
    if request.mimetype in FORM_TYPES:
        found.append(request.form)
    return found


def refuse_nul_in_pages():
    """The NUL check for everything but the API, whose own before_request authenticates
    the caller before the check reads the body (registered after it, see `register`)."""
    return None if request.path.startswith("/api/") else refuse_nul()


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
    """Call after the blueprints are registered: Flask runs the app's before_request
    functions before a blueprint's, and a blueprint's in the order they were added, so the
    API's NUL check goes after the API's authentication."""
    app.before_request(refuse_nul_in_pages)
    app.before_request_funcs.setdefault("api", []).append(refuse_nul)
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(NestedTooDeep, handle_nested)
    app.register_error_handler(RequestEntityTooLarge, handle_too_large)
    app.register_error_handler(Refused, handle_refused)
    app.register_error_handler(HTTPException, handle_http)
    if not app.testing:  # tests see the real traceback instead of a 500 page
        app.register_error_handler(Exception, handle_unexpected)
