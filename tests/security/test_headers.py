"""Every response carries the security headers: a Content-Security-Policy with no inline
script or style, framing refused twice over (frame-ancestors and X-Frame-Options), nosniff,
a Referrer-Policy; Cache-Control: no-store for signed-in clients and the whole API; HSTS in
production only. The walk covers every rule in app.url_map, as each role, on real rows."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from flask import url_for

from config.settings import BaseConfig, DevelopmentConfig, ProductionConfig, TestingConfig
from storefront import create_app
from tests.api.factories import bearer
from tests.conftest import csrf_token, login, on_database
from tests.security.test_inline_script import INLINE
from tests.test_access_matrix import (  # noqa: F401 -- owned_objects: the rows url_args names
    ADMIN,
    CUSTOMER,
    GUEST,
    RESELLER,
    owned_objects,
    url_args,
    user_for,
)
from tests.test_tenant_sign_in import claims_the_tenant

RULES = {rule.endpoint: rule for rule in create_app(TestingConfig).url_map.iter_rules()}
STATIC_FILES = ("style.css", "behaviour.js")


def policy(response) -> dict[str, list[str]]:
    """The Content-Security-Policy as {directive: sources}."""
    directives = (part.split() for part in response.headers["Content-Security-Policy"].split(";"))
    return {words[0]: words[1:] for words in directives if words}


def assert_secure(response, *, no_store: bool) -> None:
    csp = policy(response)
    assert csp["default-src"] == ["'none'"]
    assert csp["script-src"] == ["'self'"] and csp["style-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"] and csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"] and csp["form-action"][0] == "'self'"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers  # testing is not production
    if no_store:
        assert response.headers.get("Cache-Control") == "no-store"
    if response.mimetype == "text/html":
        body = response.get_data(as_text=True)
        assert not [name for name, pattern in INLINE.items() if pattern.search(body)]


def arguments(rule, world, role: str) -> dict[str, int]:
    """The role's own rows (as the access matrix picks them); a route whose argument the
    matrix does not know yet is still walked, on a row that does not exist."""
    try:
        return url_args(rule, world, False, role)
    except KeyError:
        return dict.fromkeys(rule.arguments, 999_999)


def visit(app, world, rule, role: str):
    """The route as this role sees it, from a fresh client: GET where allowed, else its form
    post (CSRF token included) or, for the API, a call with the role's bearer token."""
    user = user_for(world, role)
    with app.test_request_context():
        url = url_for(rule.endpoint, **arguments(rule, world, role))
    method = next(m for m in ("GET", "POST", "PATCH", "PUT", "DELETE") if m in rule.methods)
    api = rule.endpoint.startswith("api.")
    headers = bearer(user) if api and role in (RESELLER, CUSTOMER) else {}
    email = user.email if user else None
    # A request's own app context, so its g (Flask-Login keeps the user there) starts
    # empty: the test's context is shared by every request made inside it.
    with app.app_context():
        client = app.test_client()
        if email:
            assert login(client, email).status_code == 302
        if api:
            return client.open(url, method=method, headers=headers,
                               json={} if method != "GET" else None)
        data = {"csrf_token": csrf_token(client, "/" if email else "/login")} \
            if method != "GET" else None
        return client.open(url, method=method, data=data)


def problems(response, *, no_store: bool) -> list[str]:
    try:
        assert response.status_code < 500, response.status_code
        assert_secure(response, no_store=no_store)
    except (AssertionError, KeyError) as error:  # KeyError: a header missing
        return [str(error).splitlines()[0]]
    return []


@pytest.mark.parametrize("role", [GUEST, ADMIN, RESELLER, CUSTOMER])
def test_every_route_answers_with_the_security_headers(app, world, role):
    """Every rule in app.url_map but the static files (below), on real rows of the role."""
    found = {}
    for endpoint, rule in sorted(RULES.items()):
        if endpoint != "static":
            response = visit(app, world, rule, role)
            private = role != GUEST or rule.rule.startswith("/api/")
            found[endpoint] = problems(response, no_store=private)
    assert not {endpoint: text for endpoint, text in found.items() if text}
    assert len(found) == len(RULES) - 1


@pytest.mark.parametrize("filename", STATIC_FILES)
def test_static_files_carry_the_headers_and_stay_cacheable(app, client, world, filename):
    login(client, world.reseller_a_user)
    with client.get(f"/static/{filename}") as response:
        assert response.status_code == 200
        assert_secure(response, no_store=False)
        assert "no-store" not in response.headers.get("Cache-Control", "")


def test_an_unknown_page_and_a_refusal_carry_the_headers_too(client, world):
    assert_secure(client.get("/no-such-page"), no_store=False)
    assert_secure(client.get("/api/v1/no-such-thing"), no_store=True)
    login(client, world.direct_user)
    refused = client.get("/admin/resellers")
    assert refused.status_code == 403
    assert_secure(refused, no_store=True)


def test_production_sends_hsts_and_development_does_not(tmp_path):
    assert ProductionConfig.HSTS_SECONDS >= 31_536_000
    assert BaseConfig.HSTS_SECONDS == DevelopmentConfig.HSTS_SECONDS == 0
    settings = on_database(f"sqlite:///{tmp_path / 'hsts.sqlite'}")
    app = create_app(type("WithHsts", (settings,), {"HSTS_SECONDS": 31_536_000}))
    response = app.test_client().get("/healthz")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_the_tenant_sign_in_form_may_send_the_browser_to_microsoft(client, world):
    """form-action also governs the redirect a form post answers with: the page holding the
    sign-in form must allow the origin the sign-in sends the browser to."""
    claims_the_tenant(world)
    login(client, world.direct_user)
    page = client.get("/company/tenant")
    started = client.post("/company/tenant/sign-in",
                          data={"account": "it@example.com",
                                "csrf_token": csrf_token(client, "/company/tenant")})
    target = urlsplit(started.headers["Location"])
    assert f"{target.scheme}://{target.netloc}" in policy(page)["form-action"]
