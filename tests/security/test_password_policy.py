"""Passwords have at least 12 characters and are not common ones (NIST SP 800-63B), in
every place a password is set: sign-up, an admin adding a user, a password change, the
CLI and the demo (a probe found 10 characters enough, "qwerty123456" included)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from accounts import passwords
from accounts.models import Role, User
from accounts.services import new_user
from demo.load import SIGN_INS
from persistence import db
from tests.conftest import PASSWORD, login, mailed_text, post_form
from tests.security.test_invitations_and_roles import JOIN_RE
from tests.test_auth import SIGNUP

SHORT = "eleven char"
COMMON = "qwerty123456"  # twelve characters, near the top of every leaked list


def test_a_password_needs_at_least_twelve_characters():
    assert "at least 12 characters" in passwords.problem(SHORT)
    assert passwords.problem("twelve chars") is None


def test_a_common_password_is_refused_whatever_its_case_or_surrounding_spaces():
    for attempt in (COMMON, " Qwerty123456 ", "1Q2W3E4R5T6Y"):
        assert "most common passwords" in passwords.problem(attempt), attempt


def test_the_shipped_list_is_a_real_list_of_common_passwords_with_its_source():
    common = passwords.common_passwords()
    assert len(common) > 19_000 and {"password", "123456", "iloveyou"} <= common
    header = passwords.COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("# ") and "roycewilliams" in header


def test_no_account_can_be_made_with_a_weak_password_by_any_path():
    with pytest.raises(passwords.WeakPassword):
        new_user("x@test.example", COMMON, Role.CUSTOMER_USER)


def test_every_demo_sign_in_meets_the_policy():
    assert [email for email, password, _ in SIGN_INS if passwords.problem(password)] == []


@pytest.mark.parametrize(("password", "message"), [
    (SHORT, "at least 12 characters"), (COMMON, "most common passwords")])
def test_sign_up_refuses_a_weak_password_and_says_why(client, app, password, message):
    response = post_form(client, "/signup", {**SIGNUP, "password": password,
                                             "confirm": password})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_a_user_the_admin_invites_cannot_choose_a_common_password(client, browser, world):
    login(client, world.admin)
    post_form(client, f"/admin/resellers/{world.reseller_a.id}/users/new", {
        "name": "Dee", "email": "dee@test.example", "company_role": "user"})
    link = JOIN_RE.search(mailed_text("dee@test.example"))[1]
    response = post_form(browser(), link, {"password": COMMON, "confirm": COMMON})
    assert response.status_code == 422
    assert "most common passwords" in response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.email == "dee@test.example")) is None


def test_a_password_change_to_a_short_password_is_refused(client, world):
    login(client, world.reseller_a_user)
    response = post_form(client, "/account/password", {
        "current": PASSWORD, "password": SHORT, "confirm": SHORT}, token_url="/account")
    assert response.status_code == 422
    assert "at least 12 characters" in response.get_data(as_text=True)
    db.session.refresh(world.reseller_a_user)
    assert world.reseller_a_user.check_password(PASSWORD)


def test_the_cli_refuses_an_administrator_with_a_weak_password(app):
    runner = app.test_cli_runner()
    args = ["users", "create-admin", "--email", "ops@test.example", "--password"]
    refused = runner.invoke(args=[*args, COMMON])
    assert refused.exit_code != 0 and "most common passwords" in refused.output
    assert runner.invoke(args=[*args, "a sound admin passphrase"]).exit_code == 0
    assert db.session.scalar(select(User).where(User.email == "ops@test.example"))
