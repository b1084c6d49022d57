"""The key shown on the enrolment page is its user's alone: it is kept in the browser's
session only until enrolment succeeds, ends at sign-in and sign-out, and is bound to the
user it was made for (an audit found one user's key offered to the next user who signed
in on the same browser, who would then share an authenticator with them)."""

from __future__ import annotations

import re

import pyotp

from persistence import db
from tests.conftest import PASSWORD, login, post_form

SECRET_RE = re.compile(r'data-testid="totp-secret">([A-Z2-7]+)<')


def shown_key(client) -> str:
    return SECRET_RE.search(client.get("/mfa/enrol").get_data(as_text=True))[1]


def sign_out(client) -> None:
    assert post_form(client, "/logout", {}, token_url="/account").status_code == 302


def test_a_reload_shows_the_same_key(client, world):
    login(client, world.reseller_a_user)
    assert shown_key(client) == shown_key(client)


def test_the_next_user_on_the_same_browser_gets_a_key_of_its_own(browser, world):
    shared = browser()
    login(shared, world.reseller_b_user)
    first = shown_key(shared)
    sign_out(shared)
    login(shared, world.reseller_a_user)
    second = shown_key(shared)
    assert second != first
    post_form(shared, "/mfa/enrol", {"code": pyotp.TOTP(second).now(),
                                     "password": PASSWORD}, token_url="/mfa/enrol")
    db.session.refresh(world.reseller_a_user)
    assert world.reseller_a_user.mfa_enabled


def test_signing_in_again_without_signing_out_shows_a_new_key(browser, world):
    """A session that expired (no sign-out) leaves the cookie: the next sign-in, by
    anybody, starts afresh."""
    shared = browser()
    login(shared, world.reseller_b_user)
    first = shown_key(shared)
    with shared.session_transaction() as cookie:
        cookie.pop("_user_id", None)  # as if the server-side session had ended
    login(shared, world.reseller_a_user)
    assert shown_key(shared) != first


def test_a_key_kept_for_one_user_is_never_shown_to_another(browser, world):
    shared = browser()
    login(shared, world.reseller_b_user)
    first = shown_key(shared)
    with shared.session_transaction() as cookie:
        kept = dict(cookie)
    other = browser()
    login(other, world.reseller_a_user)
    with other.session_transaction() as cookie:  # what the first browser kept, planted
        cookie.update({key: value for key, value in kept.items() if key.startswith("mfa")})
    assert shown_key(other) != first
