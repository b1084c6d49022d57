"""The provider deactivates a direct customer as it deactivates a reseller: its users are
signed out at once and cannot sign in, its API tokens and open invitations end for good,
and nothing of its subscriptions changes in Partner Center. Reactivating it lets its users
sign in afresh and brings nothing of before back."""

from __future__ import annotations

import html

from sqlalchemy import select

from accounts.audit import AuditEvent
from accounts.models import Customer, User
from persistence import db
from tests.api.factories import bearer
from tests.conftest import login, post_form
from tests.security.test_invitations_and_roles import (
    JOIN_RE,
    NEW_PASSWORD,
    emailed_link,
    invite,
    make_admin,
)
from tests.security.test_sessions import api_works, remember_cookie, replay


def signed_in(client) -> bool:
    """Whether the browser is signed in as a direct customer's user (or anyone)."""
    return client.get("/account").status_code == 200


def set_active(admin, customer, on: bool, **extra):
    """The Deactivate / Reactivate button of the customer's admin page."""
    return post_form(admin, f"/admin/customers/{customer.id}/active",
                     {"active": "on" if on else "off", **extra},
                     token_url=f"/admin/customers/{customer.id}")


def is_active(customer) -> bool:
    db.session.expire_all()
    return db.session.get(Customer, customer.id).active


def test_deactivating_asks_first_and_says_partner_center_is_not_touched(browser, world):
    admin = browser()
    login(admin, world.admin)
    page = html.unescape(admin.get(f"/admin/customers/{world.direct.id}").get_data(
        as_text=True))
    assert "Every user of Direct Ltd is signed out at once" in page  # the button's dialog
    asked = set_active(admin, world.direct, on=False)
    said = html.unescape(asked.get_data(as_text=True))
    assert asked.status_code == 422
    assert "its API tokens and its open invitations stop working for good" in said
    assert "Nothing of its subscriptions is changed in Partner Center" in said
    assert is_active(world.direct)


def test_a_deactivated_direct_customers_users_are_shut_out_at_once(browser, world, pc_responses):
    user, theirs, bystander, admin = world.direct_user, browser(), browser(), browser()
    headers = bearer(user)
    login(theirs, user, remember="y")
    copy = remember_cookie(theirs)
    login(bystander, world.reseller_a_user)
    login(admin, world.admin)
    assert signed_in(theirs) and api_works(browser, headers)
    answer = set_active(admin, world.direct, on=False, confirm="yes")
    assert answer.status_code == 302
    assert "Direct Ltd is deactivated" in html.unescape(
        admin.get(answer.headers["Location"]).get_data(as_text=True))
    assert not is_active(world.direct)
    assert not signed_in(theirs) and not api_works(browser, headers)
    assert not signed_in(replay(browser, "remember_token", copy))
    refused = login(browser(), user)
    assert refused.status_code == 422 and "disabled" in refused.get_data(as_text=True)
    assert signed_in(bystander)
    assert [call for call in pc_responses.calls if call.request.method != "GET"] == []


def test_reactivating_brings_back_no_session_token_or_invitation(client, browser, world):
    user, theirs, admin = world.direct_user, browser(), browser()
    make_admin(user)
    login(client, user)
    invite(client, "joiner@direct.example")
    link = emailed_link(JOIN_RE, "joiner@direct.example")
    headers = bearer(user)
    login(theirs, user, remember="y")
    copy = remember_cookie(theirs)
    login(admin, world.admin)
    assert set_active(admin, world.direct, on=False, confirm="yes").status_code == 302
    assert browser().get(link).status_code == 404
    assert set_active(admin, world.direct, on=True).status_code == 302  # asks nothing
    assert is_active(world.direct)
    assert not signed_in(theirs) and not signed_in(replay(browser, "remember_token", copy))
    assert not api_works(browser, headers)
    assert browser().get(link).status_code == 404
    accepted = post_form(browser(), link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
                         token_url="/login")
    assert accepted.status_code == 404
    assert db.session.scalar(select(User).where(User.email == "joiner@direct.example")) is None
    assert login(browser(), user).status_code == 302


def test_the_audit_log_names_who_deactivated_and_reactivated_it(client, browser, world):
    make_admin(world.direct_user)
    login(client, world.direct_user)
    invite(client, "joiner@direct.example")
    admin = browser()
    login(admin, world.admin)
    set_active(admin, world.direct, on=False, confirm="yes")
    set_active(admin, world.direct, on=True)
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.customer_id == world.direct.id,
        AuditEvent.kind.in_(("invitation_revoked", "deactivated", "activated")),
    ).order_by(AuditEvent.id)).all()
    assert [(e.kind, e.actor_id, e.user_id) for e in events] == [
        ("invitation_revoked", world.admin.id, None), ("deactivated", world.admin.id, None),
        ("activated", world.admin.id, None)]
    assert events[0].detail == "Direct Ltd was deactivated"
    assert events[1].detail == "Direct Ltd deactivated: its users shut out"


def test_an_invitation_sent_while_inactive_works_once_reactivated(client, browser, world):
    """As for a reseller: only the invitations open when it was deactivated end for good."""
    admin = browser()
    login(admin, world.admin)
    set_active(admin, world.direct, on=False, confirm="yes")
    login(client, world.admin)
    invite(client, "later@direct.example", f"?customer={world.direct.id}")
    link = emailed_link(JOIN_RE, "later@direct.example")
    assert browser().get(link).status_code == 404
    set_active(admin, world.direct, on=True)
    assert browser().get(link).status_code == 200


def test_a_resellers_customer_is_not_deactivated_here(browser, world):
    admin = browser()
    login(admin, world.admin)
    page = admin.get(f"/admin/customers/{world.customer_a.id}").get_data(as_text=True)
    assert f"/admin/customers/{world.customer_a.id}/active" not in page
    answer = set_active(admin, world.customer_a, on=False, confirm="yes")
    assert answer.status_code == 409
    said = html.unescape(answer.get_data(as_text=True))
    assert "Deactivate Reseller A to stop its orders for Alpha GmbH" in said
    assert is_active(world.customer_a)
