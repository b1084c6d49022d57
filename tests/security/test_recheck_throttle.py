"""The current password or a code re-typed on a signed-in page (to change the email or
the password, make recovery codes, turn two-factor off) counts with the sign-in attempts
of the account and the address: a borrowed session gets no more guesses than the sign-in
page gives. Refused with 429 and Retry-After, the typed values kept but the secrets."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import time_machine

from persistence import db
from tests.conftest import PASSWORD, login, post_form

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NEW_EMAIL = "new.address@test.example"


@pytest.fixture(autouse=True)
def mfa_required(app):
    app.config["MFA_REQUIRED"] = True


def change_email(client, password: str):
    return post_form(client, "/account/email", {"email": NEW_EMAIL, "password": password},
                     token_url="/account")


def test_guessing_the_current_password_to_change_the_email_ends_in_a_429(client, world):
    with time_machine.travel(NOW, tick=False):
        login(client, world.reseller_a_user)
        guesses = [change_email(client, f"guess {n}") for n in range(6)]
        right_too_soon = change_email(client, PASSWORD)

    assert [g.status_code for g in guesses] == [422] * 5 + [429]
    refused = guesses[-1]
    assert refused.headers["Retry-After"] == "2"
    page = refused.get_data(as_text=True)
    assert "Too many tries at your current password; wait 2 seconds" in page
    assert f'value="{NEW_EMAIL}"' in page and "guess 5" not in page
    # The right password waits like any other, so the answer tells nothing.
    assert right_too_soon.status_code == 429
    with time_machine.travel(NOW + timedelta(seconds=2), tick=False):
        assert change_email(client, PASSWORD).status_code == 302


def test_the_password_re_checks_and_the_sign_in_page_share_one_count(client, browser, world):
    with time_machine.travel(NOW, tick=False):
        login(client, world.reseller_a_user)
        for n in range(5):
            post_form(client, "/account/password", {
                "current": f"guess {n}", "password": "a fresh long passphrase",
                "confirm": "a fresh long passphrase"}, token_url="/account")
        assert login(browser(), world.reseller_a_user).status_code == 429


def enrolled(client, user) -> str:
    """Sign in and add an authenticator by choice: its secret."""
    login(client, user)
    page = client.get("/mfa/enrol").get_data(as_text=True)
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', page)[1]
    post_form(client, "/mfa/enrol", {"code": pyotp.TOTP(secret).now(), "password": PASSWORD},
              token_url="/mfa/enrol")
    return secret


def test_guessing_a_code_to_turn_two_factor_off_ends_in_a_429(client, world):
    user = world.reseller_a_user
    with time_machine.travel(NOW, tick=False):
        secret = enrolled(client, user)
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        answers = [post_form(client, "/mfa/disable", {"code": f"{n:06d}", "confirm": "yes"},
                             token_url="/account") for n in range(6)]
        right_too_soon = post_form(client, "/mfa/disable", {
            "code": pyotp.TOTP(secret).now(), "confirm": "yes"}, token_url="/account")

    assert [a.status_code for a in answers] == [302] * 5 + [429]
    assert answers[-1].headers["Retry-After"] == "2"
    assert "Too many tries at a code" in answers[-1].get_data(as_text=True)
    assert right_too_soon.status_code == 429
    db.session.refresh(user)
    assert user.mfa_enabled
