"""API tokens: created on a page and shown once, stored hashed, revocable, rate limited."""

from __future__ import annotations

import hashlib
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import select

from accounts.models import ApiToken
from persistence import db
from tests.api.factories import bearer, requests_counted
from tests.conftest import login, post_form

SECRET = re.compile(r"<code>(csp_[\w-]+)</code>")


def create_on_page(client, user, name="ERP sync") -> str:
    login(client, user)
    response = post_form(client, "/api-tokens", {"name": name})
    assert response.status_code == 201
    return SECRET.search(response.get_data(as_text=True))[1]


def test_a_request_without_a_token_is_refused_with_401(client, world):
    response = client.get("/api/v1/customers")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json()["error"]["status"] == 401


def test_an_unknown_token_is_refused(client, world):
    response = client.get("/api/v1/customers", headers={"Authorization": "Bearer csp_nope"})
    assert response.status_code == 401


def test_the_page_shows_a_new_token_once_and_stores_only_its_hash(client, world):
    secret = create_on_page(client, world.reseller_a_user)
    token = db.session.scalar(select(ApiToken))
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert token.reseller_id == world.reseller_a.id and token.customer_id is None
    listing = client.get("/api-tokens").get_data(as_text=True)
    assert secret not in listing and token.prefix in listing
    assert client.get("/api/v1/customers",
                      headers={"Authorization": f"Bearer {secret}"}).status_code == 200


def test_a_direct_customer_creates_a_token_for_its_company(client, world):
    create_on_page(client, world.direct_user)
    token = db.session.scalar(select(ApiToken))
    assert token.customer_id == world.direct.id and token.reseller_id is None


def test_a_revoked_token_gets_401(client, world):
    secret = create_on_page(client, world.reseller_a_user)
    token = db.session.scalar(select(ApiToken))
    assert post_form(client, f"/api-tokens/{token.id}/revoke", {"confirm": "yes"},
                     token_url="/api-tokens").status_code == 302
    assert client.get("/api/v1/customers",
                      headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_another_resellers_token_cannot_be_revoked(client, world):
    bearer(world.reseller_b_user)
    theirs = db.session.scalar(select(ApiToken))
    login(client, world.reseller_a_user)
    response = post_form(client, f"/api-tokens/{theirs.id}/revoke", {}, token_url="/api-tokens")
    assert response.status_code == 404 and theirs.active


def test_a_token_stops_working_when_its_user_is_deactivated(client, world):
    headers = bearer(world.reseller_a_user)
    world.reseller_a_user.active = False
    db.session.commit()
    assert client.get("/api/v1/customers", headers=headers).status_code == 401


def test_requests_over_the_limit_get_429_with_retry_after_until_the_window_ends(app, client,
                                                                               world):
    app.config.update(API_RATE_LIMIT=2, API_RATE_WINDOW=60)
    headers = bearer(world.reseller_a_user)
    start = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        assert [client.get("/api/v1/customers", headers=headers).status_code
                for _ in range(2)] == [200, 200]
    with time_machine.travel(start + timedelta(seconds=20), tick=False):
        refused = client.get("/api/v1/customers", headers=headers)
        assert refused.status_code == 429 and refused.headers["Retry-After"] == "40"
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        assert client.get("/api/v1/customers", headers=headers).status_code == 200


def test_the_limit_is_per_token(app, client, world):
    app.config.update(API_RATE_LIMIT=1)
    first, second = bearer(world.reseller_a_user, "one"), bearer(world.reseller_a_user, "two")
    client.get("/api/v1/customers", headers=first)
    assert client.get("/api/v1/customers", headers=first).status_code == 429
    assert client.get("/api/v1/customers", headers=second).status_code == 200


def test_concurrent_requests_of_one_token_never_lose_a_count(app, world):
    """Eight clients at once, 40 requests, a limit of 20: exactly 20 pass (a read-then-write
    counter lets extra requests through when two read the same count)."""
    app.config.update(API_RATE_LIMIT=20, API_RATE_WINDOW=3600)
    headers = bearer(world.reseller_a_user)

    def call(_):  # each thread has its own app context, so its own session and connection
        return app.test_client().get("/api/v1/customers", headers=headers).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(call, range(40)))
    assert sorted(codes) == [200] * 20 + [429] * 20
    db.session.expire_all()
    assert requests_counted() == 40


def test_an_unknown_token_is_refused_before_any_count(client, world):
    headers = bearer(world.reseller_a_user)
    response = client.get("/api/v1/customers", headers={"Authorization": "Bearer csp_nope"})
    assert response.status_code == 401 and response.headers["WWW-Authenticate"]
    assert client.get("/api/v1/customers", headers=headers).status_code == 200
    assert requests_counted() == 1
