"""A user who lost its authenticator and its recovery codes gets its two-factor sign-in
reset by a provider admin: confirmed, logged in the audit log, the user signed out
everywhere and emailed who did it; it then enrols a new authenticator at its next sign-in
(an audit found a provider admin or admin agent who must keep two-factor had no way
back)."""

from __future__ import annotations

import pyotp
import pytest
from sqlalchemy import select

from accounts.audit import AuditEvent
from persistence import db
from tests.conftest import PASSWORD, login, mailed_text, post_form
from tests.security.test_mfa_enrolment_key import shown_key


@pytest.fixture
def agent(app, world, browser):
    """An admin agent of reseller A, who must keep two-factor sign-in, enrolled and signed
    in: (user, its browser)."""
    app.config["MFA_REQUIRED"] = True
    user = world.reseller_a_user
    user.admin_agent = True
    db.session.commit()
    theirs = browser()
    assert login(theirs, user).headers["Location"].endswith("/mfa/enrol")
    done = post_form(theirs, "/mfa/enrol", {"code": pyotp.TOTP(shown_key(theirs)).now()},
                     token_url="/mfa/enrol")
    assert done.status_code == 200
    return user, theirs


def reset(admin, user, **confirm):
    return post_form(admin, f"/admin/users/{user.id}/mfa-reset", confirm,
                     token_url=f"/admin/resellers/{user.reseller_id}")


@pytest.fixture
def admin(app, world, browser):
    """A provider admin signed in (its own second factor is not at issue here)."""
    required, app.config["MFA_REQUIRED"] = app.config["MFA_REQUIRED"], False
    signed_in = browser()
    login(signed_in, world.admin)
    app.config["MFA_REQUIRED"] = required
    return signed_in


def test_a_provider_admin_resets_a_lost_second_factor_and_the_user_enrols_anew(
        agent, admin, browser, world):
    user, theirs = agent
    page = admin.get(f"/admin/resellers/{user.reseller_id}").get_data(as_text=True)
    assert f"/admin/users/{user.id}/mfa-reset" in page
    asked = reset(admin, user)
    assert asked.status_code == 422 and "signed out everywhere" in asked.get_data(as_text=True)
    db.session.refresh(user)
    assert user.mfa_enabled  # nothing without confirmation
    assert reset(admin, user, confirm="yes").status_code == 302
    db.session.refresh(user)
    assert not user.mfa_enabled
    assert theirs.get("/account").status_code == 302  # signed out everywhere
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.user_id == user.id, AuditEvent.kind == "mfa_disabled")).one()
    assert event.actor_id != user.id and "provider admin" in event.detail
    told = mailed_text(user.email)
    assert "Your two-factor sign-in was reset" in told and world.admin.email in told
    again = login(browser(), user, PASSWORD)
    assert again.headers["Location"].endswith("/mfa/enrol")


def test_a_user_without_a_second_factor_has_none_to_reset(admin, world):
    assert reset(admin, world.reseller_b_user, confirm="yes").status_code == 404


def test_only_a_provider_admin_may_reset_a_second_factor(agent, world, browser):
    user, _theirs = agent
    other = browser()
    login(other, world.reseller_b_user)
    assert post_form(other, f"/admin/users/{user.id}/mfa-reset", {"confirm": "yes"},
                     token_url="/account").status_code == 403
    db.session.refresh(user)
    assert user.mfa_enabled
