"""#21: two-factor sign-in. Provider admins and admin agents enrol at their next sign-in;
a code works once; recovery codes work once; a trusted browser skips the code for 30
days, until "sign out everywhere" or a password change."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import time_machine
from sqlalchemy import select

from accounts.audit import AuditEvent
from persistence import db
from tests.conftest import PASSWORD, login, post_form
from tests.operations.test_metrics import scrape, value

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def mfa_required(app):
    app.config["MFA_REQUIRED"] = True


def enrol(client, user) -> tuple[str, list[str]]:
    """Sign in with the password, read the key off the enrolment page, type its code:
    the secret and the recovery codes shown once."""
    answer = login(client, user)
    assert answer.headers["Location"].endswith("/mfa/enrol")
    page = client.get("/mfa/enrol").get_data(as_text=True)
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', page)[1]
    assert "<svg" in page  # the QR code, drawn on the server
    done = post_form(client, "/mfa/enrol", {"code": pyotp.TOTP(secret).now()},
                     token_url="/mfa/enrol")
    assert done.status_code == 200
    codes = re.findall(r"<code>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</code>",
                       done.get_data(as_text=True))
    assert len(codes) == 10
    return secret, codes


def signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def test_a_provider_admin_must_enrol_before_any_page_opens(client, world):
    answer = login(client, world.admin)
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/mfa/enrol")
    assert not signed_in(client)
    wrong = post_form(client, "/mfa/enrol", {"code": "000000"}, token_url="/mfa/enrol")
    assert wrong.status_code == 422 and not signed_in(client)


def test_enrolment_signs_in_and_the_next_sign_in_asks_for_a_code(client, browser, world):
    with time_machine.travel(NOW, tick=False):
        secret, _codes = enrol(client, world.admin)
        assert signed_in(client)
        other = browser()
        assert login(other, world.admin).headers["Location"].endswith("/mfa/verify")
        assert not signed_in(other)
    with time_machine.travel(NOW + timedelta(seconds=60), tick=False):
        code = pyotp.TOTP(secret).now()
        ok = post_form(other, "/mfa/verify", {"code": code}, token_url="/mfa/verify")
        assert ok.status_code == 302 and signed_in(other)
        # The same code, seen over a shoulder, does not work again.
        third = browser()
        login(third, world.admin)
        again = post_form(third, "/mfa/verify", {"code": code}, token_url="/mfa/verify")
        assert again.status_code == 422 and not signed_in(third)
    kinds = list(db.session.scalars(select(AuditEvent.kind)))
    assert "mfa_enrolled" in kinds and "sign_in_failed" in kinds


def test_a_code_from_a_later_time_step_is_refused(client, browser, world):
    with time_machine.travel(NOW, tick=False):
        secret, _codes = enrol(client, world.admin)
        other = browser()
        login(other, world.admin)
        future = pyotp.TOTP(secret).at(NOW + timedelta(minutes=5))
        refused = post_form(other, "/mfa/verify", {"code": future}, token_url="/mfa/verify")
        assert refused.status_code == 422 and not signed_in(other)


def test_a_recovery_code_works_once(client, browser, world):
    _secret, codes = enrol(client, world.admin)
    first = browser()
    login(first, world.admin)
    assert post_form(first, "/mfa/verify", {"code": codes[0].upper()},
                     token_url="/mfa/verify").status_code == 302
    second = browser()
    login(second, world.admin)
    assert post_form(second, "/mfa/verify", {"code": codes[0]},
                     token_url="/mfa/verify").status_code == 422
    assert not signed_in(second)


def test_the_step_after_the_password_expires(client, world):
    with time_machine.travel(NOW, tick=False):
        secret, _codes = enrol(client, world.admin)
        client.post("/logout", data={"csrf_token": _token(client)})
        login(client, world.admin)
    with time_machine.travel(NOW + timedelta(minutes=11), tick=False):
        late = client.get("/mfa/verify")
        assert late.status_code == 302 and late.headers["Location"].endswith("/login")


def _token(client) -> str:
    from tests.conftest import csrf_from

    return csrf_from(client.get("/account").get_data(as_text=True))


def trusted_browser(browser, user, secret):
    device = browser()
    login(device, user)
    post_form(device, "/mfa/verify", {"code": pyotp.TOTP(secret).now(), "remember_device": "y"},
              token_url="/mfa/verify")
    assert signed_in(device)
    device.post("/logout", data={"csrf_token": _token(device)})
    return device


def test_a_trusted_browser_skips_the_code_for_thirty_days(client, browser, world):
    with time_machine.travel(NOW, tick=False):
        secret, _codes = enrol(client, world.admin)
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        device = trusted_browser(browser, world.admin, secret)
        assert login(device, world.admin).headers["Location"].endswith("/")
        assert signed_in(device)
        device.post("/logout", data={"csrf_token": _token(device)})
    with time_machine.travel(NOW + timedelta(days=30, minutes=2), tick=False):
        assert login(device, world.admin).headers["Location"].endswith("/mfa/verify")


def test_sign_out_everywhere_ends_trusted_browsers(client, browser, world):
    with time_machine.travel(NOW, tick=False):
        secret, _codes = enrol(client, world.admin)
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        device = trusted_browser(browser, world.admin, secret)
        post_form(client, "/account/sessions/revoke-all", {"confirm": "yes"},
                  token_url="/account")
        assert login(device, world.admin).headers["Location"].endswith("/mfa/verify")


def test_a_password_change_ends_trusted_browsers(client, browser, world):
    with time_machine.travel(NOW, tick=False):
        secret, _codes = enrol(client, world.admin)
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        device = trusted_browser(browser, world.admin, secret)
        new = "another long passphrase"
        post_form(client, "/account/password",
                  {"current": PASSWORD, "password": new, "confirm": new}, token_url="/account")
        assert login(device, world.admin, new).headers["Location"].endswith("/mfa/verify")


def test_a_forged_device_cookie_is_ignored(client, browser, world):
    secret, _codes = enrol(client, world.admin)
    forger = browser()
    forger.set_cookie("mfa_device", "1:not-signed")
    assert login(forger, world.admin).headers["Location"].endswith("/mfa/verify")


def test_others_may_sign_in_without_a_second_factor_and_opt_in(client, world):
    assert login(client, world.reseller_a_user).headers["Location"].endswith("/")
    assert client.get("/mfa/enrol").status_code == 200


def test_admin_agents_must_keep_mfa_and_others_may_turn_it_off(client, browser, world):
    with time_machine.travel(NOW, tick=False):
        login(client, world.reseller_a_user)
        page = client.get("/mfa/enrol").get_data(as_text=True)
        secret = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', page)[1]
        post_form(client, "/mfa/enrol", {"code": pyotp.TOTP(secret).now(),
                                         "password": PASSWORD}, token_url="/mfa/enrol")
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        post_form(client, "/mfa/disable", {"code": pyotp.TOTP(secret).now(), "confirm": "yes"},
                  token_url="/account")
        db.session.refresh(world.reseller_a_user)
        assert not world.reseller_a_user.mfa_enabled


def test_re_posting_the_password_gives_no_fresh_code_guesses(app, browser, world):
    """The right password alone does not start the account's throttle afresh: the code
    guesses of each password re-post add up, from any address, until a 429."""
    with time_machine.travel(NOW, tick=False):
        secret, _codes = enrol(browser(), world.admin)
    later = NOW + timedelta(minutes=5)
    answers = []
    with time_machine.travel(later, tick=False):
        for n in range(3):
            guesser = browser()
            guesser.environ_base["REMOTE_ADDR"] = f"2001:db8::{n + 1}"
            assert login(guesser, world.admin).headers["Location"].endswith("/mfa/verify")
            answers.append(post_form(guesser, "/mfa/verify", {"code": "000000"},
                                     token_url="/mfa/verify"))
    assert [a.status_code for a in answers] == [422, 422, 429]
    assert answers[-1].headers["Retry-After"] == "2"
    assert "Too many attempts" in answers[-1].get_data(as_text=True)
    with time_machine.travel(later + timedelta(seconds=2), tick=False):
        right = post_form(guesser, "/mfa/verify", {"code": pyotp.TOTP(secret).now()},
                          token_url="/mfa/verify")
        assert right.status_code == 302 and signed_in(guesser)


def test_a_whole_sign_in_with_a_code_starts_the_account_afresh(app, browser, world):
    with time_machine.travel(NOW, tick=False):
        secret, _codes = enrol(browser(), world.admin)
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        user = browser()
        login(user, world.admin)
        for _ in range(2):
            post_form(user, "/mfa/verify", {"code": "000000"}, token_url="/mfa/verify")
        assert post_form(user, "/mfa/verify", {"code": pyotp.TOTP(secret).now()},
                         token_url="/mfa/verify").status_code == 302
        again = browser()
        login(again, world.admin)
        wrong = [post_form(again, "/mfa/verify", {"code": "000000"},
                           token_url="/mfa/verify").status_code for _ in range(3)]
    assert wrong == [422] * 3


def test_a_wrong_second_factor_code_counts_as_a_failed_sign_in(client, browser, world):
    """Monitoring watches csp_sign_in_failures_total for guessing; a stolen password
    followed by guessed codes counted nothing."""
    with time_machine.travel(NOW, tick=False):
        enrol(client, world.admin)
        other = browser()
        assert login(other, world.admin).headers["Location"].endswith("/mfa/verify")
        before = value(scrape(client), "csp_sign_in_failures_total")
        wrong = post_form(other, "/mfa/verify", {"code": "000000"}, token_url="/mfa/verify")
        assert wrong.status_code == 422
        assert value(scrape(client), "csp_sign_in_failures_total") == before + 1
