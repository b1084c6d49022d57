"""Request bodies: how large, how deep, and whose are read at all.

- Size: MAX_CONTENT_LENGTH (settings, 1 MiB) caps every body, answered with a 413 before
  the body is parsed. The one exception is the admin's price-list upload, capped at
  PRICE_LIST_MAX_BYTES (storefront/catalog_jobs.py); no other route takes a file.
- Depth: JSON nests at most MAX_JSON_DEPTH arrays and objects. No request needs more, and
  far deeper nesting made the parser raise RecursionError, which get_json(silent=True)
  lets through: a 500 on every route. Too deep is a 400 that says so.
- Who: a write to a page that needs a signed-in user, from a client that is not signed in,
  is answered before its body is read. The CSRF and NUL checks parse bodies in
  before_request, ahead of the views' login_required, so without this an anonymous client
  had any page parse whatever it sent. The API authenticates in its blueprint's
  before_request, which runs before anything there reads a body (see errors.register).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, request
from flask.json.provider import DefaultJSONProvider
from flask_login import current_user, login_required
from werkzeug.exceptions import BadRequest

from storefront.extensions import login_manager

MAX_JSON_DEPTH = 32
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# The code every login_required wrapper runs; functools.wraps copies names, not code.
_SIGN_IN_GUARD = login_required(lambda: None).__code__


class NestedTooDeep(BadRequest):
    """A JSON body nested deeper than MAX_JSON_DEPTH: a 400 naming the body. Not a
    ValueError, so get_json(silent=True) does not turn it into a silent None."""

    field = "body"
    description = (f"The JSON body nests deeper than {MAX_JSON_DEPTH} levels of arrays and "
                   "objects; no request here needs that many. Send a flatter body.")


class DepthLimitedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, refusing documents nested deeper than MAX_JSON_DEPTH."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            value = super().loads(s, **kwargs)
        except RecursionError:
            raise NestedTooDeep() from None
        if nesting(value) > MAX_JSON_DEPTH:
            raise NestedTooDeep()
        return value


def nesting(value: Any) -> int:
    """How many arrays and objects nest in a parsed JSON value, counted without recursion
    (so a deep value cannot exhaust the stack here either); stops once past the limit."""
    deepest, pending = 0, [(value, 1)]
    while pending and deepest <= MAX_JSON_DEPTH:
        item, level = pending.pop()
        if isinstance(item, dict):
            item = item.values()
        elif not isinstance(item, list):
            continue
        deepest = max(deepest, level)
        pending.extend((child, level + 1) for child in item)
    return deepest


def needs_sign_in(view: Callable) -> bool:
    """Whether Flask-Login's login_required guards the view, directly or under another
    decorator (roles_required, renders_refusals): functools.wraps chains __wrapped__."""
    return _is_sign_in_guard(inspect.unwrap(view, stop=_is_sign_in_guard))


def _is_sign_in_guard(function: Callable) -> bool:
    return getattr(function, "__code__", None) is _SIGN_IN_GUARD


def sign_in_first():
    """before_request, ahead of the CSRF check: an anonymous write to a page that needs a
    signed-in user gets login_required's answer (sign in) with its body unread."""
    if request.method not in BODY_METHODS:
        return None
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None or not needs_sign_in(view) or current_user.is_authenticated:
        return None
    return login_manager.unauthorized()


def init_app(app: Flask) -> None:
    """Call before CSRFProtect.init_app: before_request functions run in the order added."""
    app.json = DepthLimitedJSONProvider(app)
    app.before_request(sign_in_first)
