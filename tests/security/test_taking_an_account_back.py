"""Taking an account back ends what a thief asked for with it (ASVS 3.3.3 / 2.2.3): a
password change or reset, signing out everywhere and deactivation end every open
email-change and password-reset link of the account, and a completed email change tells
the old address (an audit found an attacker's email-change link still working after all
four)."""

from __future__ import annotations

from sqlalchemy import select

from accounts.audit import AuditEvent
from accounts.models import User
from persistence import db
from tests.conftest import PASSWORD, login, mailed_text, post_form
from tests.security.test_invitations_and_roles import emailed_link, make_admin
from tests.security.test_password_reset_and_profile import (
    EMAIL_RE,
    NEW,
    RESET_RE,
    ask_reset,
)
from tests.security.test_sessions import save_reseller

EVIL = "evil@attacker.example"


def ask_email_change(browser, user, new: str = EVIL) -> str:
    """Sign in as the user in a browser of its own and ask to move the account: the
    confirmation link mailed to the new address."""
    thief = browser()
    login(thief, user)
    asked = post_form(thief, "/account/email", {"email": new, "password": PASSWORD},
                      token_url="/account")
    assert asked.status_code == 302
    return emailed_link(EMAIL_RE, new)


def confirmed(browser, link: str) -> bool:
    """Whether opening the link moved the account (the link page, not a 404)."""
    return browser().get(link).status_code == 302


def test_a_password_change_ends_an_open_email_change_link(browser, world):
    user = world.reseller_a_user
    link = ask_email_change(browser, user)
    owner = browser()
    login(owner, user)
    changed = post_form(owner, "/account/password",
                        {"current": PASSWORD, "password": NEW, "confirm": NEW},
                        token_url="/account")
    assert changed.status_code == 302
    assert not confirmed(browser, link)
    db.session.refresh(user)
    assert user.email == "a@test.example"


def test_a_password_reset_ends_an_open_email_change_link(client, browser, world):
    user = world.reseller_a_user
    link = ask_email_change(browser, user)
    ask_reset(client, user.email)
    reset = emailed_link(RESET_RE, user.email)
    assert post_form(browser(), reset, {"password": NEW, "confirm": NEW}).status_code == 302
    assert not confirmed(browser, link)


def test_signing_out_everywhere_ends_open_email_change_and_reset_links(
        client, browser, world):
    user = world.reseller_a_user
    link = ask_email_change(browser, user)
    ask_reset(client, user.email)
    reset = emailed_link(RESET_RE, user.email)
    owner = browser()
    login(owner, user)
    done = post_form(owner, "/account/sessions/revoke-all", {"confirm": "yes"},
                     token_url="/account")
    assert done.status_code == 302
    assert not confirmed(browser, link)
    assert browser().get(reset).status_code == 404


def test_deactivation_by_the_provider_ends_open_email_change_and_reset_links(
        client, browser, world):
    user = world.reseller_a_user
    link = ask_email_change(browser, user)
    ask_reset(client, user.email)
    reset = emailed_link(RESET_RE, user.email)
    admin = browser()
    login(admin, world.admin)
    assert post_form(admin, f"/admin/users/{user.id}/active",
                     {"active": "off", "confirm": "yes"}, token_url="/").status_code == 302
    # Reactivated, the account's old links stay dead.
    assert post_form(admin, f"/admin/users/{user.id}/active",
                     {"active": "on", "confirm": "yes"}, token_url="/").status_code == 302
    assert not confirmed(browser, link)
    assert browser().get(reset).status_code == 404


def test_deactivation_by_a_company_admin_ends_an_open_email_change_link(browser, world):
    make_admin(world.reseller_a_user)
    colleague = User(
        email="colleague@test.example", role="reseller_user", reseller=world.reseller_a)
    colleague.set_password(PASSWORD)
    db.session.add(colleague)
    db.session.commit()
    link = ask_email_change(browser, colleague)
    admin = browser()
    login(admin, world.reseller_a_user)
    assert post_form(admin, f"/team/members/{colleague.id}/active",
                     {"active": "off", "confirm": "yes"}, token_url="/team").status_code == 302
    assert not confirmed(browser, link)


def test_deactivating_a_reseller_ends_its_users_open_email_change_links(browser, world):
    link = ask_email_change(browser, world.reseller_a_user)
    admin = browser()
    login(admin, world.admin)
    assert save_reseller(admin, world.reseller_a, active=False).status_code == 302
    assert not confirmed(browser, link)


def test_a_completed_email_change_tells_the_old_address(browser, world):
    user = world.reseller_a_user
    link = ask_email_change(browser, user, "new@a.example")
    assert confirmed(browser, link)
    told = mailed_text("a@test.example")
    assert "signs in as new@a.example from now on" in told
    assert "administrator" in told  # what to do if it was not the owner


def test_a_completed_email_change_ends_a_reset_link_sent_to_the_old_address(
        client, browser, world):
    user = world.reseller_a_user
    link = ask_email_change(browser, user, "new@a.example")
    ask_reset(client, user.email)
    reset = emailed_link(RESET_RE, user.email)
    assert confirmed(browser, link)
    assert browser().get(reset).status_code == 404


def test_an_asked_email_change_and_signing_out_everywhere_are_in_the_audit_log(
        browser, world):
    """The owner (or the provider) reading the log after a takeover attempt sees the thief's
    request even if its link was never opened, and when the owner took the account back."""
    user = world.reseller_a_user
    ask_email_change(browser, user)
    owner = browser()
    login(owner, user)
    post_form(owner, "/account/sessions/revoke-all", {"confirm": "yes"}, token_url="/account")
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.user_id == user.id).order_by(AuditEvent.id)).all()
    kinds = [event.kind for event in events]
    asked = kinds.index("email_change_asked")
    assert events[asked].detail == f"to {EVIL}" and events[asked].actor_id == user.id
    assert kinds.index("signed_out_everywhere") > asked


def test_a_user_asks_for_only_so_many_address_changes_a_day(app, browser, world):
    """Each request mails a confirmation to the address typed and anyone can sign up:
    unlimited, the form mailed address after address in the provider's name."""
    app.config["EMAIL_CHANGES_PER_DAY"] = 2
    user, mine = world.reseller_a_user, browser()
    login(mine, user)
    for n in (1, 2):
        asked = post_form(mine, "/account/email", {"email": f"new{n}@test.example",
                                                   "password": PASSWORD}, token_url="/account")
        assert asked.status_code == 302
    refused = post_form(mine, "/account/email", {"email": "new3@test.example",
                                                 "password": PASSWORD}, token_url="/account")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 23 * 3600
    assert "as many address changes as a day allows" in page
    assert 'value="new3@test.example"' in page  # what was typed is kept
    assert mailed_text("new3@test.example") == ""
