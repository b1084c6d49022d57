"""Credential changes from a signed-in session (ASVS 3.7.1, 2.2.3): enrolling an
authenticator asks for the current password again, so a stolen session cookie cannot
enrol its own and lock the owner out; and every change to how the account signs in is
mailed to its address (an audit found enrolment with no password and no email for any
of them)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pyotp
import time_machine

from persistence import db
from tests.conftest import PASSWORD, login, mailed_text, post_form
from tests.security.test_invitations_and_roles import emailed_link
from tests.security.test_password_reset_and_profile import NEW, RESET_RE, ask_reset

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SECRET_RE = re.compile(r'data-testid="totp-secret">([A-Z2-7]+)<')


def enrol_page_secret(client) -> str:
    return SECRET_RE.search(client.get("/mfa/enrol").get_data(as_text=True))[1]


def enrol(client, secret: str, password: str = PASSWORD):
    return post_form(client, "/mfa/enrol", {"code": pyotp.TOTP(secret).now(),
                                            "password": password}, token_url="/mfa/enrol")


def test_enrolling_from_a_signed_in_session_asks_for_the_current_password(client, world):
    user = world.direct_user
    login(client, user)
    secret = enrol_page_secret(client)
    assert 'name="password"' in client.get("/mfa/enrol").get_data(as_text=True)
    code = pyotp.TOTP(secret).now()
    missing = post_form(client, "/mfa/enrol", {"code": code}, token_url="/mfa/enrol")
    wrong = enrol(client, secret, "not my password")
    for refused in (missing, wrong):
        page = refused.get_data(as_text=True)
        assert refused.status_code == 422
        assert f'value="{code}"' in page  # the code typed is kept
        assert "not my password" not in page  # the password is not sent back
    assert "Type your current password" in missing.get_data(as_text=True)
    assert "This is not your current password" in wrong.get_data(as_text=True)
    db.session.refresh(user)
    assert not user.mfa_enabled
    assert enrol(client, secret).status_code == 200
    db.session.refresh(user)
    assert user.mfa_enabled


def test_wrong_passwords_on_the_enrol_form_are_throttled_as_at_sign_in(client, browser, world):
    user = world.direct_user
    with time_machine.travel(NOW, tick=False):
        login(client, user)
        secret = enrol_page_secret(client)
        for n in range(5):
            enrol(client, secret, f"guess {n}")
        refused = enrol(client, secret)
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert "Too many tries at your current password" in refused.get_data(as_text=True)
    db.session.refresh(user)
    assert not user.mfa_enabled


def test_enrolling_is_mailed_to_the_user(client, world):
    user = world.direct_user
    login(client, user)
    enrol(client, enrol_page_secret(client))
    told = mailed_text(user.email)
    assert "Two-factor sign-in is on" in told and "If it was not you" in told


def test_new_recovery_codes_are_mailed_to_the_user(client, world):
    user = world.direct_user
    login(client, user)
    enrol(client, enrol_page_secret(client))
    made = post_form(client, "/mfa/recovery-codes", {"password": PASSWORD},
                     token_url="/account")
    assert made.status_code == 200
    assert "New recovery codes were made" in mailed_text(user.email)


def test_turning_two_factor_off_is_mailed_to_the_user(client, world):
    user = world.direct_user
    with time_machine.travel(NOW, tick=False):
        login(client, user)
        secret = enrol_page_secret(client)
        enrol(client, secret)
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        post_form(client, "/mfa/disable", {"code": pyotp.TOTP(secret).now(), "confirm": "yes"},
                  token_url="/account")
    db.session.refresh(user)
    assert not user.mfa_enabled
    assert "Two-factor sign-in is off" in mailed_text(user.email)


def test_a_password_change_is_mailed_to_the_user(client, world):
    user = world.direct_user
    login(client, user)
    post_form(client, "/account/password", {"current": PASSWORD, "password": NEW,
                                            "confirm": NEW}, token_url="/account")
    told = mailed_text(user.email)
    assert "Your password was changed" in told and NEW not in told


def test_a_password_reset_is_mailed_to_the_user(client, browser, world):
    user = world.direct_user
    ask_reset(client, user.email)
    post_form(browser(), emailed_link(RESET_RE, user.email), {"password": NEW, "confirm": NEW})
    assert "Your password was reset" in mailed_text(user.email)


def test_a_refused_password_change_is_not_mailed(client, world):
    user = world.direct_user
    login(client, user)
    post_form(client, "/account/password", {"current": "no", "password": NEW,
                                            "confirm": NEW}, token_url="/account")
    assert "Your password was changed" not in mailed_text(user.email)
