"""Replacing an authenticator (a new or lost phone): with the current password and a code
from the current app or an unused recovery code, the account moves to a new key, gets new
recovery codes, trusts no browser any more and is emailed (an audit found users who must
keep two-factor unable to move to a new phone: /mfa/enrol sent them back, /mfa/disable
refused them)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import time_machine

from accounts import mfa
from config.credentials import product_key_cipher
from persistence import db
from tests.conftest import PASSWORD, login, mailed_text, post_form
from tests.security.test_mfa_enrolment_key import shown_key

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CODE_RE = re.compile(r"<code>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</code>")


@pytest.fixture
def agent(app, world, browser):
    """An admin agent who must keep two-factor, enrolled and signed in: (user, browser,
    old secret, recovery codes)."""
    app.config["MFA_REQUIRED"] = True
    user = world.reseller_a_user
    user.admin_agent = True
    db.session.commit()
    theirs = browser()
    with time_machine.travel(NOW, tick=False):
        login(theirs, user)
        secret = shown_key(theirs)
        done = post_form(theirs, "/mfa/enrol", {"code": pyotp.TOTP(secret).now()},
                         token_url="/mfa/enrol")
    return user, theirs, secret, CODE_RE.findall(done.get_data(as_text=True))


def new_key(client) -> str:
    """The key the replacement page offers the new app."""
    page = client.get("/mfa/replace").get_data(as_text=True)
    return re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', page)[1]


def replace(client, new: str, current: str, password: str = PASSWORD):
    return post_form(client, "/mfa/replace", {
        "code": pyotp.TOTP(new).now(), "current_code": current, "password": password},
        token_url="/mfa/replace")


def works(app, user, secret: str, now: datetime) -> bool:
    db.session.refresh(user)
    try:
        mfa.verify(user, pyotp.TOTP(secret).at(now), now, product_key_cipher(app.config))
    except mfa.WrongCode:
        return False
    return True


def test_a_lost_phone_is_replaced_with_a_recovery_code(app, agent):
    user, theirs, old, codes = agent
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        assert "Replace your authenticator" in theirs.get("/account").get_data(as_text=True)
        new = new_key(theirs)
        done = replace(theirs, new, codes[0])
        assert done.status_code == 200
        fresh_codes = CODE_RE.findall(done.get_data(as_text=True))
        assert len(fresh_codes) == 10 and codes[1] not in fresh_codes
    later = NOW + timedelta(minutes=2)
    assert not works(app, user, old, later)
    assert works(app, user, new, later)
    assert "A new authenticator app was set up" in mailed_text(user.email)


def test_a_replacement_needs_the_password_and_a_current_code(app, agent):
    user, theirs, old, codes = agent
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        new = new_key(theirs)
        no_password = replace(theirs, new, pyotp.TOTP(old).now(), "not my password")
        no_code = replace(theirs, new, "123456")
        for refused in (no_password, no_code):
            assert refused.status_code == 422
        assert "This is not your current password" in no_password.get_data(as_text=True)
        assert "That code does not work" in no_code.get_data(as_text=True)
    assert works(app, user, old, NOW + timedelta(minutes=2))


def test_a_mistyped_new_code_spends_no_recovery_code(app, agent):
    user, theirs, _old, codes = agent
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        new_key(theirs)
        refused = post_form(theirs, "/mfa/replace", {
            "code": "000000", "current_code": codes[0], "password": PASSWORD},
            token_url="/mfa/replace")
        assert refused.status_code == 422
        assert "does not match the new key" in refused.get_data(as_text=True)
    assert mfa.remaining_codes(user) == 10


def test_only_a_user_with_a_second_factor_can_replace_it(client, world):
    login(client, world.direct_user)
    assert client.get("/mfa/replace").status_code == 404
