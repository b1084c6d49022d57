"""CSRF protection on every form."""

from datetime import UTC, datetime, timedelta

import time_machine

from tests.conftest import PASSWORD, csrf_token, login


def test_login_without_a_csrf_token_is_refused(client, world):
    response = client.post("/login", data={"email": "a@test.example", "password": PASSWORD})
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    assert client.get("/customers").status_code == 302


def test_creating_a_customer_without_a_csrf_token_is_refused(client, world):
    login(client, world.reseller_a_user)
    response = client.post("/customers/new", data={"company_name": "Sneaky"})
    assert response.status_code == 400


def test_csrf_refusal_is_json_for_json_clients(client, world):
    response = client.post("/login", data={}, headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["error"]["title"] == "Form expired"


# Kept signed tokens (storefront/csrf_tokens.py, #27): with no time limit a token signed
# earlier is as valid as a new one, so a worker signs each session's token once.
LATER = timedelta(hours=2)


def _token_at(client, moment: datetime, url: str = "/customers") -> str:
    with time_machine.travel(moment, tick=False):
        return csrf_token(client, url)


def test_a_session_is_shown_the_token_signed_earlier_and_it_still_submits(browser, world):
    client = browser()  # a context per request, so flask.g holds no token from the last
    login(client, world.reseller_a_user)
    now = datetime.now(UTC)
    first = _token_at(client, now)
    assert _token_at(client, now + LATER) == first  # signed afresh, its time would differ
    with time_machine.travel(now + LATER, tick=False):
        response = client.post("/customers/new", data={"csrf_token": first})
    assert response.status_code != 400  # refused by the form's own checks, not CSRF


def test_each_session_has_its_own_token(browser, world):
    anna, bob = browser(), browser()
    login(anna, world.reseller_a_user)
    login(bob, world.reseller_b_user)
    now = datetime.now(UTC)
    annas = _token_at(anna, now)
    assert _token_at(bob, now) != annas
    assert bob.post("/customers/new", data={"csrf_token": annas}).status_code == 400


def test_with_a_time_limit_every_response_is_signed_afresh(app, browser, world):
    app.config["WTF_CSRF_TIME_LIMIT"] = 3600
    client = browser()
    login(client, world.reseller_a_user)
    now = datetime.now(UTC)
    first = _token_at(client, now)
    assert _token_at(client, now + LATER) != first
    with time_machine.travel(now + LATER, tick=False):
        refused = client.post("/customers/new", data={"csrf_token": first})
    assert refused.status_code == 400  # expired, as the limit says
