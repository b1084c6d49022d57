"""The JSON API (/api/v1) for resellers' and direct customers' own systems.

Every operation is declared once with `operation(...)`: that registers the Flask route and
records its schemas, so the OpenAPI document is generated from the same declarations.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask import Blueprint, current_app, g, jsonify, request
from marshmallow import Schema, ValidationError

from accounts import api_tokens as tokens
from storefront import throttling

bp = Blueprint("api", __name__, url_prefix="/api/v1")
PUBLIC = {"api.openapi_json", "api.docs"}


@dataclass(frozen=True)
class Operation:
    rule: str
    method: str
    endpoint: str
    summary: str
    tag: str
    ok: tuple[int, type[Schema] | None]
    body: type[Schema] | None = None
    query: type[Schema] | None = None
    errors: tuple[int, ...] = ()
    headers: tuple[dict, ...] = field(default_factory=tuple)
    description: str = ""


OPERATIONS: list[Operation] = []


def operation(rule: str, method: str, *, summary: str, tag: str,
              ok: tuple[int, type[Schema] | None], **extra) -> Callable:
    """Register a view on the API blueprint and record it for the OpenAPI document."""

    def decorator(view: Callable) -> Callable:
        OPERATIONS.append(Operation(rule, method, f"api.{view.__name__}", summary, tag, ok,
                                    description=(view.__doc__ or "").strip(), **extra))
        bp.add_url_rule(rule, view_func=view, methods=[method])
        return view

    return decorator


def api_error(status: int, title: str, detail: str, **extra):
    """A JSON error in the same envelope the app's error handlers use."""
    return jsonify(error={"status": status, "title": title, "detail": detail, **extra}), status


def envelope(page, items) -> dict:
    """A Flask-SQLAlchemy page as the API's page envelope."""
    return {"items": items, "page": page.page, "pages": page.pages, "total": page.total or 0}


class BadRequest(Exception):
    """Malformed input: answered with 400 and each field's messages."""

    status, title, detail = 400, "Bad Request", "Some fields are malformed; see fields."

    def __init__(self, messages: dict):
        super().__init__("malformed input")
        self.messages = _string_keys(messages)


class UnknownReference(BadRequest):
    """Well-formed input naming something that does not exist in the caller's scope: 404."""

    status, title, detail = 404, "Not Found", "Some fields name nothing you can reach; see fields."


def _string_keys(messages):
    """Marshmallow keys list items by int: make every key a string so JSON can sort them."""
    if isinstance(messages, dict):
        return {str(key): _string_keys(value) for key, value in messages.items()}
    return messages


def load(schema: Schema, data, **kwargs) -> dict:
    """Validate input against a schema, raising BadRequest with the fields on failure."""
    if not isinstance(data, dict):
        raise BadRequest({"_schema": ["Send a JSON object."]})
    try:
        return schema.load(data, **kwargs)
    except ValidationError as error:
        raise BadRequest(error.messages_dict) from error


def body(schema: Schema, **kwargs) -> dict:
    if request.get_data(cache=True) and not request.is_json:
        # A JSON body sent as text/plain (curl's -d, a form post) reads as nothing: say
        # which header to fix, not that the object is missing.
        raise BadRequest({"Content-Type": [
            f"Send the body as JSON with Content-Type: application/json (got "
            f"{request.mimetype or 'none'!r})."]})
    return load(schema, request.get_json(silent=True), **kwargs)


def query(schema: Schema) -> dict:
    return load(schema, request.args.to_dict())


@bp.errorhandler(BadRequest)
def _bad_request(error: BadRequest):
    return api_error(error.status, error.title, error.detail, fields=error.messages)


@bp.before_request
def _authenticate():
    """Bearer token, then the limits (the docs are public): per client address on requests
    without a live token (asked before any token lookup), per token, and per owner across
    all of a reseller's or company's tokens."""
    if request.endpoint in PUBLIC or request.endpoint is None:
        return None
    config, now, store = current_app.config, datetime.now(UTC), throttling.store()
    address = throttling.client_address()
    wait = tokens.bad_token_wait(store, address, config.get("API_BAD_TOKEN_LIMIT", 20), now)
    if wait is not None:
        return _too_many(wait, "Too many requests without a live token from your address")
    secret = tokens.secret_of(request.headers.get("Authorization"))
    token, refusal = _counted_token(secret, store, now) if secret else (None, None)
    if token is None:
        tokens.count_bad_token(store, address, config.get("API_BAD_TOKEN_WINDOW", 60), now)
        return _unauthorized()
    if refusal is not None:
        return refusal
    g.api_token, g.api_user = token, token.user
    return None


def _counted_token(secret: str, store, now: datetime):
    """The live token with this secret (None if none) and the 429 to answer when it is over
    its own limit or its owner's. Counted in the throttle store (#27): the app's database
    is only read."""
    token = tokens.authenticate(secret)
    if token is None:
        return None, None
    config = current_app.config
    window = config.get("API_RATE_WINDOW", 60)
    wait = tokens.token_wait(store, token, now, config.get("API_RATE_LIMIT", 120), window)
    if wait is not None:
        return token, _too_many(wait, "Rate limit reached")
    wait = tokens.owner_wait(store, tokens.owner_of(token), now,
                             config.get("API_OWNER_RATE_LIMIT", 600), window)
    if wait is not None:
        return token, _too_many(wait, "Your organisation's rate limit, shared by all its "
                                "tokens, is reached")
    return token, None


def _too_many(wait: int, reason: str):
    response = api_error(429, "Too Many Requests", f"{reason}; retry in {wait}s.")
    response[0].headers["Retry-After"] = str(wait)
    return response


def _unauthorized():
    response = api_error(401, "Unauthorized", "Send a live API token: "
                         "Authorization: Bearer <token>.")
    response[0].headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


from storefront.api import (  # noqa: E402 - the modules register their routes on bp
    catalog,
    checkout,
    customers,
    docs,
    invoices,
    subscriptions,
)

__all__ = ["bp", "catalog", "checkout", "customers", "docs", "invoices", "subscriptions"]
