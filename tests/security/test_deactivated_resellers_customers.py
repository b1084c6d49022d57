"""Deactivating a reseller shuts out the users of its end customers too (the users the
provider invited into one of its customers), not only its own: their sessions, API
tokens, reset links and the customers' open invitations end at once, and they cannot sign
in until the reseller is reactivated. Reactivating it lets back in those whose own account
is active; nothing of before comes back. (An audit found them still signed in, reading
the reseller's customer's orders.)"""

from __future__ import annotations

import html

from accounts.models import Role
from accounts.services import new_user
from persistence import db
from tests.api.factories import bearer
from tests.conftest import PASSWORD, login, post_form
from tests.security.test_deactivated_direct_customer import signed_in
from tests.security.test_invitations_and_roles import JOIN_RE, emailed_link, invite
from tests.security.test_password_reset_and_profile import RESET_RE, ask_reset
from tests.security.test_sessions import api_works, remember_cookie, replay


def customer_user(customer, email: str, *, active: bool = True):
    """A user the provider invited into a reseller's end customer."""
    user = new_user(email, PASSWORD, Role.CUSTOMER_USER, customer=customer, active=active)
    db.session.add(user)
    db.session.commit()
    return user


def set_reseller_active(admin, reseller, on: bool):
    """The reseller's admin form, its Active box ticked or not (deactivating confirmed)."""
    form = {"company_name": reseller.company_name, "mpn_id": reseller.mpn_id,
            "contact_name": "Ada", "contact_email": "ada@example.com"}
    form |= {"active": "y"} if on else {"confirm": "yes"}
    return post_form(admin, f"/admin/resellers/{reseller.id}", form)


def test_deactivating_a_reseller_shuts_out_its_customers_users_at_once(browser, world):
    user = customer_user(world.customer_a, "alpha@test.example")
    other = customer_user(world.customer_b, "beta@test.example")
    theirs, bystander, admin = browser(), browser(), browser()
    headers = bearer(user)
    login(theirs, user, remember="y")
    copy = remember_cookie(theirs)
    ask_reset(browser(), user.email)
    reset = emailed_link(RESET_RE, user.email)
    login(bystander, other)
    login(admin, world.admin)
    assert signed_in(theirs) and api_works(browser, headers)
    assert set_reseller_active(admin, world.reseller_a, on=False).status_code == 302
    assert not signed_in(theirs) and not api_works(browser, headers)
    assert not signed_in(replay(browser, "remember_token", copy))
    assert browser().get(reset).status_code == 404
    assert signed_in(bystander)


def test_its_customers_users_are_told_why_they_cannot_sign_in(browser, world):
    user = customer_user(world.customer_a, "alpha@test.example")
    admin = browser()
    login(admin, world.admin)
    set_reseller_active(admin, world.reseller_a, on=False)
    refused = login(browser(), user)
    said = html.unescape(refused.get_data(as_text=True))
    assert refused.status_code == 422
    assert "Reseller A, which Alpha GmbH buys through, is deactivated" in said


def test_an_open_session_stops_at_its_next_request_however_the_reseller_was_deactivated(
        client, world):
    user = customer_user(world.customer_a, "alpha@test.example")
    assert login(client, user).status_code == 302
    assert signed_in(client)
    world.reseller_a.active = False  # no session revoked: the company's standing counts
    db.session.commit()
    answer = client.get("/account")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_its_customers_open_invitations_end_for_good(client, browser, world):
    admin = browser()
    login(client, world.admin)
    invite(client, "joiner@alpha.example", f"?customer={world.customer_a.id}")
    link = emailed_link(JOIN_RE, "joiner@alpha.example")
    assert browser().get(link).status_code == 200
    login(admin, world.admin)
    set_reseller_active(admin, world.reseller_a, on=False)
    assert browser().get(link).status_code == 404
    set_reseller_active(admin, world.reseller_a, on=True)
    assert browser().get(link).status_code == 404


def test_an_invitation_to_its_customer_sent_while_inactive_opens_once_reactivated(
        client, browser, world):
    admin = browser()
    login(admin, world.admin)
    set_reseller_active(admin, world.reseller_a, on=False)
    login(client, world.admin)
    invite(client, "later@alpha.example", f"?customer={world.customer_a.id}")
    link = emailed_link(JOIN_RE, "later@alpha.example")
    assert browser().get(link).status_code == 404
    set_reseller_active(admin, world.reseller_a, on=True)
    assert browser().get(link).status_code == 200


def test_reactivating_lets_back_in_only_users_active_on_their_own(browser, world):
    user = customer_user(world.customer_a, "alpha@test.example")
    stopped = customer_user(world.customer_a, "stopped@test.example", active=False)
    theirs, admin = browser(), browser()
    headers = bearer(user)
    login(theirs, user)
    login(admin, world.admin)
    set_reseller_active(admin, world.reseller_a, on=False)
    assert set_reseller_active(admin, world.reseller_a, on=True).status_code == 302
    assert not signed_in(theirs) and not api_works(browser, headers)
    assert login(browser(), user).status_code == 302
    assert login(browser(), stopped).status_code == 422
