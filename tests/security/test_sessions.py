"""Sign-in sessions are kept on the server: sign-out, "sign out everywhere", a password
change and deactivation end them, so a captured session or remember-me cookie stops
working (a probe found both still valid after sign-out, the remember cookie for a year).

Each browser here runs its requests in an app context of its own (tests/conftest.py
Browser), as a server does, so nothing a request remembers in flask.g helps the next."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import select

from accounts.models import ApiToken, UserSession
from persistence import as_utc, db
from tests.api.factories import bearer
from tests.conftest import PASSWORD, csrf_token, login, post_form

NEW_PASSWORD = "a fresh new passphrase"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def signed_in(client) -> bool:
    return client.get("/customers").status_code == 200


def api_works(browser, headers) -> bool:
    return browser().get("/api/v1/customers", headers=headers).status_code == 200


def sign_out(client):
    return client.post("/logout", data={"csrf_token": csrf_token(client, "/")})


def replay(browser, name: str, value: str):
    """A fresh browser holding only a copy of one cookie (what a thief would hold)."""
    thief = browser()
    thief.set_cookie(name, value)
    return thief


def remember_cookie(client) -> str:
    return client.get_cookie("remember_token").value


def test_a_captured_session_cookie_is_refused_after_sign_out(browser, world):
    mine = browser()
    login(mine, world.reseller_a_user)
    copy = mine.get_cookie("session").value
    assert signed_in(replay(browser, "session", copy))
    sign_out(mine)
    assert not signed_in(replay(browser, "session", copy))
    assert not signed_in(mine)


def test_a_captured_remember_me_cookie_is_refused_after_sign_out(browser, world):
    mine = browser()
    login(mine, world.reseller_a_user, remember="y")
    copy = remember_cookie(mine)
    assert signed_in(replay(browser, "remember_token", copy))
    sign_out(mine)
    assert not signed_in(replay(browser, "remember_token", copy))


def test_the_remember_me_cookie_lasts_thirty_days_not_a_year(browser, world):
    start = datetime.now(UTC).replace(microsecond=0)
    mine = browser()
    with time_machine.travel(start, tick=False):
        login(mine, world.reseller_a_user, remember="y")
        cookie = mine.get_cookie("remember_token")
    assert cookie.expires <= start + timedelta(days=30)
    with time_machine.travel(start + timedelta(days=29), tick=False):
        assert signed_in(replay(browser, "remember_token", cookie.value))
    # The cookie's expiry binds only an honest browser: the server refuses a copy too.
    with time_machine.travel(start + timedelta(days=30, minutes=1), tick=False):
        assert not signed_in(replay(browser, "remember_token", cookie.value))


def test_a_session_without_remember_me_ends_after_twelve_idle_hours(app, browser, world):
    # Its absolute lifetime (12 hours by default) would end it first; a longer one shows the
    # idle clock restarting on each request.
    app.config["SESSION_ABSOLUTE_TIMEOUT"] = timedelta(hours=48)
    start, mine = datetime.now(UTC), browser()
    with time_machine.travel(start, tick=False):
        login(mine, world.reseller_a_user)
    with time_machine.travel(start + timedelta(hours=11), tick=False):
        assert signed_in(mine)  # a request restarts the idle clock
    with time_machine.travel(start + timedelta(hours=22), tick=False):
        assert signed_in(mine)
    with time_machine.travel(start + timedelta(hours=34, minutes=1), tick=False):
        assert not signed_in(mine)


def used_every_few_minutes(client, start: datetime, hours: int) -> bool:
    """Open a page every 10 minutes for the hours given; whether every one was signed in."""
    answers = []
    for minutes in range(0, hours * 60, 10):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            answers.append(signed_in(client))
    return all(answers)


def test_a_busy_session_without_remember_me_ends_twelve_hours_after_its_sign_in(
        browser, world):
    start, mine = datetime.now(UTC), browser()
    with time_machine.travel(start, tick=False):
        login(mine, world.reseller_a_user)
    assert used_every_few_minutes(mine, start, 12)  # the last request at 11 h 50
    with time_machine.travel(start + timedelta(hours=12, minutes=1), tick=False):
        expired = mine.get("/customers")
        # As after idling: on to the sign-in page, which says why.
        assert expired.status_code == 302
        assert expired.headers["Location"].startswith("/login?next=")
        page = mine.get(expired.headers["Location"]).get_data(as_text=True)
        assert "Please sign in to see that page." in page
        assert login(mine, world.reseller_a_user).status_code == 302  # signing in again works
        assert signed_in(mine)


def test_a_busy_remembered_session_outlives_twelve_hours(browser, world):
    start, mine = datetime.now(UTC), browser()
    with time_machine.travel(start, tick=False):
        login(mine, world.reseller_a_user, remember="y")
    assert used_every_few_minutes(mine, start, 13)
    with time_machine.travel(start + timedelta(days=29), tick=False):
        assert signed_in(mine)


def test_last_seen_is_written_at_most_every_five_minutes(browser, world):
    start, mine = datetime.now(UTC).replace(microsecond=0), browser()
    with time_machine.travel(start, tick=False):
        login(mine, world.reseller_a_user)
    for minutes, seen in ((4, start), (6, start + timedelta(minutes=6))):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            assert signed_in(mine)
        db.session.expire_all()
        assert as_utc(db.session.scalars(select(UserSession.last_seen_at)).one()) == seen


def test_the_session_row_keeps_a_hash_not_the_cookie_secret(browser, world):
    mine = browser()
    login(mine, world.reseller_a_user, remember="y")
    row = db.session.scalars(select(UserSession)).one()
    secret = remember_cookie(mine).partition("|")[0].partition(":")[2]
    assert secret and secret not in row.secret_hash and row.remember


def test_the_account_page_lists_where_the_user_is_signed_in(browser, world):
    laptop, phone = browser(), browser()
    laptop.environ_base["HTTP_USER_AGENT"] = FIREFOX
    login(laptop, world.reseller_a_user)
    login(phone, world.reseller_a_user)
    page = laptop.get("/account").get_data(as_text=True)
    assert page.count('data-testid="session"') == 2
    assert "Firefox on Linux" in page and "this browser" in page


def test_sign_out_everywhere_ends_every_session_of_the_user(browser, world):
    laptop, phone, colleague = browser(), browser(), browser()
    login(laptop, world.reseller_a_user, remember="y")
    login(phone, world.reseller_a_user, remember="y")
    copy = remember_cookie(phone)
    login(colleague, world.reseller_b_user)
    response = post_form(laptop, "/account/sessions/revoke-all", {"confirm": "yes"},
                         token_url="/account")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert not signed_in(laptop) and not signed_in(phone)
    assert not signed_in(replay(browser, "remember_token", copy))
    assert signed_in(colleague)


def test_sign_out_everywhere_revokes_the_users_api_tokens_and_says_so(browser, world):
    laptop = browser()
    mine, colleagues = bearer(world.reseller_a_user), bearer(world.reseller_b_user)
    login(laptop, world.reseller_a_user)
    assert "The API tokens you made stop working too" in post_form(
        laptop, "/account/sessions/revoke-all", {}, token_url="/account").get_data(as_text=True)

    response = post_form(laptop, "/account/sessions/revoke-all", {"confirm": "yes"},
                         token_url="/account")

    assert "your API tokens are revoked" in laptop.get(
        response.headers["Location"]).get_data(as_text=True)
    assert not api_works(browser, mine) and api_works(browser, colleagues)


def test_one_session_can_be_ended_from_the_account_page(browser, world):
    laptop, phone = browser(), browser()
    login(laptop, world.reseller_a_user)
    login(phone, world.reseller_a_user)
    phone_session = max(db.session.scalars(select(UserSession.id)))
    response = post_form(laptop, f"/account/sessions/{phone_session}/revoke",
                         {"confirm": "yes"}, token_url="/account")
    assert response.status_code == 302
    assert not signed_in(phone) and signed_in(laptop)


def test_someone_elses_session_cannot_be_ended(browser, world):
    victim, mine = browser(), browser()
    login(victim, world.reseller_b_user)
    victim_session = db.session.scalars(select(UserSession.id)).one()
    login(mine, world.reseller_a_user)
    response = post_form(mine, f"/account/sessions/{victim_session}/revoke", {},
                         token_url="/account")
    assert response.status_code == 404 and signed_in(victim)


def change_password(client, current: str, new: str, **box):
    return post_form(client, "/account/password",
                     {"current": current, "password": new, "confirm": new, **box},
                     token_url="/account")


REVOKE_BOX = re.compile(r'<input[^>]*name="revoke_tokens"[^>]*>')


def revoke_box(page: str) -> str | None:
    """The "Also revoke my API tokens" checkbox of the password form, if shown."""
    found = REVOKE_BOX.search(page)
    return found[0] if found else None


def test_the_password_form_offers_to_revoke_the_users_live_api_tokens(browser, world):
    laptop = browser()
    login(laptop, world.reseller_a_user)
    assert revoke_box(laptop.get("/account").get_data(as_text=True)) is None  # none held
    bearer(world.reseller_a_user), bearer(world.reseller_a_user, "second")
    page = laptop.get("/account").get_data(as_text=True)
    assert "Also revoke my API tokens" in page and "You hold 2 API tokens" in page
    assert "checked" in revoke_box(page)  # ticked unless unticked


def test_a_password_change_revokes_the_users_api_tokens_when_asked_and_says_so(
        browser, world):
    laptop = browser()
    mine, colleagues = bearer(world.reseller_a_user), bearer(world.reseller_b_user)
    bearer(world.reseller_a_user, "second")
    login(laptop, world.reseller_a_user)

    done = change_password(laptop, PASSWORD, NEW_PASSWORD, revoke_tokens="y")

    assert done.status_code == 302
    assert "the 2 API tokens you made are revoked" in laptop.get(
        done.headers["Location"]).get_data(as_text=True)
    assert not api_works(browser, mine) and api_works(browser, colleagues)
    assert signed_in(laptop)


def test_a_password_change_keeps_the_api_tokens_when_the_box_is_unticked(browser, world):
    laptop, mine = browser(), bearer(world.reseller_a_user)
    login(laptop, world.reseller_a_user)

    done = change_password(laptop, PASSWORD, NEW_PASSWORD)  # an unticked box sends nothing

    assert "The 1 API token you made still works" in laptop.get(
        done.headers["Location"]).get_data(as_text=True)
    assert api_works(browser, mine)


def test_a_refused_password_change_revokes_nothing_and_keeps_the_box_as_it_was(
        browser, world):
    laptop, mine = browser(), bearer(world.reseller_a_user)
    login(laptop, world.reseller_a_user)
    for box, ticked in (({"revoke_tokens": "y"}, True), ({}, False)):
        refused = change_password(laptop, "not my password", NEW_PASSWORD, **box)
        page = refused.get_data(as_text=True)
        assert refused.status_code == 422 and "This is not your current password." in page
        assert ("checked" in revoke_box(page)) is ticked
        assert NEW_PASSWORD not in page and "not my password" not in page
    assert api_works(browser, mine)


def test_a_password_change_without_its_csrf_token_is_refused(browser, world):
    laptop, mine = browser(), bearer(world.reseller_a_user)
    login(laptop, world.reseller_a_user)
    refused = laptop.post("/account/password", data={
        "current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
        "revoke_tokens": "y"})
    assert refused.status_code == 400
    assert api_works(browser, mine)
    assert login(browser(), world.reseller_a_user).status_code == 302  # old password still


def test_a_password_change_ends_every_other_session(browser, world):
    laptop, phone = browser(), browser()
    login(phone, world.reseller_a_user, remember="y")
    copy = remember_cookie(phone)
    login(laptop, world.reseller_a_user)
    assert change_password(laptop, PASSWORD, NEW_PASSWORD).status_code == 302
    assert signed_in(laptop)
    assert not signed_in(phone) and not signed_in(replay(browser, "remember_token", copy))
    assert login(browser(), world.reseller_a_user).status_code == 422
    assert login(browser(), world.reseller_a_user, NEW_PASSWORD).status_code == 302


def test_a_wrong_current_password_changes_nothing(browser, world):
    laptop, phone = browser(), browser()
    login(phone, world.reseller_a_user)
    login(laptop, world.reseller_a_user)
    response = change_password(laptop, "not my password", NEW_PASSWORD)
    assert response.status_code == 422
    assert "This is not your current password." in response.get_data(as_text=True)
    assert signed_in(phone)
    assert login(browser(), world.reseller_a_user).status_code == 302


def set_active(admin, user, on: bool):
    return post_form(admin, f"/admin/users/{user.id}/active",
                     {"active": "on" if on else "off", "confirm": "yes"}, token_url="/")


def test_deactivating_a_user_ends_its_sessions_and_tokens_for_good(browser, world):
    user, theirs, admin = world.reseller_a_user, browser(), browser()
    headers = bearer(user)
    login(theirs, user, remember="y")
    copy = remember_cookie(theirs)
    login(admin, world.admin)
    assert set_active(admin, user, on=False).status_code == 302
    assert not signed_in(theirs) and not api_works(browser, headers)
    db.session.expire_all()
    assert db.session.scalars(select(ApiToken.revoked_at)).one() is not None
    assert set_active(admin, user, on=True).status_code == 302
    # Reactivated, the user signs in afresh; nothing from before comes back.
    assert not signed_in(theirs) and not signed_in(replay(browser, "remember_token", copy))
    assert not api_works(browser, headers)
    assert login(browser(), user).status_code == 302


def test_an_admin_cannot_deactivate_itself(browser, world):
    admin = browser()
    login(admin, world.admin)
    set_active(admin, world.admin, on=False)
    assert admin.get("/admin/resellers").status_code == 200


def save_reseller(admin, reseller, active: bool):
    """The admin's reseller form, with the Active box ticked or not."""
    data = {"company_name": reseller.company_name, "mpn_id": reseller.mpn_id,
            "mpa_status": reseller.mpa_status, "contact_name": "Ada",
            "contact_email": "ada@example.com",
            **({"active": "y"} if active else {"confirm": "yes"})}
    return post_form(admin, f"/admin/resellers/{reseller.id}", data)


def test_deactivating_a_reseller_ends_its_sessions_and_tokens_for_good(browser, world):
    user, theirs, bystander, admin = world.reseller_a_user, browser(), browser(), browser()
    headers = bearer(user)
    login(theirs, user, remember="y")
    copy = remember_cookie(theirs)
    login(bystander, world.reseller_b_user)
    login(admin, world.admin)
    assert save_reseller(admin, world.reseller_a, active=False).status_code == 302
    assert save_reseller(admin, world.reseller_a, active=True).status_code == 302
    # Ticking Active again does not revive the cookies and tokens of before.
    assert not signed_in(theirs) and not signed_in(replay(browser, "remember_token", copy))
    assert not api_works(browser, headers)
    assert signed_in(bystander)
    assert login(browser(), user).status_code == 302
