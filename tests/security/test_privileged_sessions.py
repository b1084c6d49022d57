"""Provider admins and admin agents hold the keys to every customer's tenant: "Keep me
signed in" keeps none of them signed in, and their sessions end after
PRIVILEGED_SESSION_IDLE_TIMEOUT (30 minutes) without a request and
PRIVILEGED_SESSION_ABSOLUTE_TIMEOUT (12 hours) after the sign-in however busy (ASVS 3.3.2
L2). An audit found a provider admin kept signed in for 30 days with no idle timeout."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine

from accounts.models import UserSession
from persistence import db
from tests.conftest import login
from tests.security.test_sessions import remember_cookie, replay

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def test_keep_me_signed_in_keeps_a_provider_admin_no_longer_than_twelve_hours(
        browser, world):
    mine = browser()
    with time_machine.travel(NOW, tick=False):
        login(mine, world.admin, remember="y")
        assert mine.get_cookie("remember_token") is None
    for minutes in range(20, 12 * 60, 20):  # busy all day
        with time_machine.travel(NOW + timedelta(minutes=minutes), tick=False):
            assert signed_in(mine)
    with time_machine.travel(NOW + timedelta(hours=12, minutes=1), tick=False):
        assert not signed_in(mine)


def test_a_provider_admin_is_signed_out_after_thirty_idle_minutes(browser, world):
    admin, reseller = browser(), browser()
    with time_machine.travel(NOW, tick=False):
        login(admin, world.admin, remember="y")
        login(reseller, world.reseller_a_user)
    with time_machine.travel(NOW + timedelta(minutes=29), tick=False):
        assert signed_in(admin)  # a request restarts the idle clock
    with time_machine.travel(NOW + timedelta(minutes=29 + 31), tick=False):
        assert not signed_in(admin)
        assert signed_in(reseller)  # others keep the ordinary idle period


def test_a_remembered_session_of_a_user_made_admin_agent_gets_the_privileged_lifetime(
        browser, world):
    user, mine = world.reseller_a_user, browser()
    with time_machine.travel(NOW, tick=False):
        login(mine, user, remember="y")
        copy = remember_cookie(mine)
        user.admin_agent = True
        db.session.commit()
    with time_machine.travel(NOW + timedelta(minutes=31), tick=False):
        assert not signed_in(mine)
        assert not signed_in(replay(browser, "remember_token", copy))


def test_the_privileged_lifetimes_are_settings(app, browser, world):
    app.config["PRIVILEGED_SESSION_IDLE_TIMEOUT"] = timedelta(minutes=10)
    mine = browser()
    with time_machine.travel(NOW, tick=False):
        login(mine, world.admin)
    with time_machine.travel(NOW + timedelta(minutes=11), tick=False):
        assert not signed_in(mine)


def test_the_session_row_of_a_provider_admin_is_not_remembered(browser, world):
    with time_machine.travel(NOW, tick=False):
        login(browser(), world.admin, remember="y")
    assert db.session.scalars(db.select(UserSession.remember)).one() is False


def test_the_sign_in_page_and_the_account_page_say_what_applies(browser, world):
    guest = browser()
    page = guest.get("/login").get_data(as_text=True)
    assert "30 days" in page
    assert "Provider admins and admin agents" in page and "30 minutes" in page
    admin, reseller = browser(), browser()
    login(admin, world.admin)
    login(reseller, world.reseller_a_user)
    mine = admin.get("/account").get_data(as_text=True)
    assert "30 minutes without a request" in mine and "12 hours after signing in" in mine
    theirs = reseller.get("/account").get_data(as_text=True)
    assert "30 days" in theirs and "30 minutes without a request" not in theirs


def test_the_account_page_says_no_browser_keeps_a_privileged_user_signed_in(browser, world):
    """A session kept signed in before its user became admin agent is held to the short
    lifetimes at once, and its row says so instead of "Kept signed in: yes"."""
    user, mine = world.reseller_a_user, browser()
    with time_machine.travel(NOW, tick=False):
        login(mine, user, remember="y")
        assert 'data-testid="kept">yes<' in mine.get("/account").get_data(as_text=True)
        user.admin_agent = True
        db.session.commit()
        page = mine.get("/account").get_data(as_text=True)
        assert 'data-testid="kept">no<' in page and 'data-testid="kept">yes<' not in page
