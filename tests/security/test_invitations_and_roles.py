"""#21: invitations by email (single use, 7 days), company roles, and who manages whom.

A reseller's admin manages its own users only; a plain reseller user manages none; a
billing user sees invoices and nothing else."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import select

from accounts import api_tokens
from accounts.audit import AuditEvent
from accounts.links import AccountLink
from accounts.models import CompanyRole, User
from accounts.passwords import HINT
from notifications.models import OutboxEmail
from persistence import db
from tests.conftest import PASSWORD, csrf_token, login, mailed_text, post_form

JOIN_RE = re.compile(r"https://storefront\.example(/team/join\?token=[\w-]+)")
NEW_PASSWORD = "a brand new passphrase"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def emailed_link(pattern: re.Pattern, to: str) -> str:
    match = pattern.search(mailed_text(to))
    assert match, f"no link of {pattern.pattern} was emailed to {to}"
    return match[1]


def make_admin(user) -> None:
    user.company_role = CompanyRole.ADMIN
    db.session.commit()


def invite(client, email: str, query: str = "", **extra):
    return post_form(client, f"/team/invite{query}",
                     {"name": "New Colleague", "email": email, "company_role": "user",
                      **extra}, token_url=f"/team{query}")


def test_provider_admin_invites_and_the_invitee_sets_its_password(client, browser, world):
    login(client, world.admin)
    answer = invite(client, "new@test.example", f"?reseller={world.reseller_a.id}",
                    company_role="billing")
    assert answer.status_code == 302
    assert db.session.scalar(select(User).where(User.email == "new@test.example")) is None
    link = emailed_link(JOIN_RE, "new@test.example")

    invitee = browser()
    assert "new@test.example" in invitee.get(link).get_data(as_text=True)
    accepted = post_form(invitee, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert accepted.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "new@test.example"))
    assert (user.reseller_id, user.company_role) == (world.reseller_a.id, "billing")
    assert login(invitee, "new@test.example", NEW_PASSWORD).status_code == 302
    kinds = set(db.session.scalars(select(AuditEvent.kind)))
    assert {"invited", "invitation_accepted", "sign_in"} <= kinds


def test_a_used_invitation_link_is_refused_with_a_clear_page(client, browser, world):
    login(client, world.admin)
    invite(client, "once@test.example", f"?reseller={world.reseller_a.id}")
    link = emailed_link(JOIN_RE, "once@test.example")
    first = browser()
    post_form(first, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    again = browser().get(link)
    assert again.status_code == 404
    assert "already used, or expired" in again.get_data(as_text=True)


def test_an_invitation_link_expires_after_seven_days(client, browser, world):
    with time_machine.travel(NOW, tick=False):
        login(client, world.admin)
        invite(client, "late@test.example", f"?customer={world.direct.id}")
        link = emailed_link(JOIN_RE, "late@test.example")
    with time_machine.travel(NOW + timedelta(days=7, seconds=1), tick=False):
        late = browser()
        assert late.get(link).status_code == 404
        token = csrf_token(late, "/login")
        refused = late.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
                                        "csrf_token": token})
        assert refused.status_code == 404
    assert db.session.scalar(select(User).where(User.email == "late@test.example")) is None


def test_a_weak_password_is_refused_and_the_link_still_works(client, browser, world):
    login(client, world.admin)
    invite(client, "weak@test.example", f"?reseller={world.reseller_a.id}")
    link = emailed_link(JOIN_RE, "weak@test.example")
    invitee = browser()
    weak = post_form(invitee, link, {"password": "short", "confirm": "short"})
    assert weak.status_code == 422
    assert "at least 12 characters" in weak.get_data(as_text=True)
    ok = post_form(invitee, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert ok.status_code == 302


def test_reseller_admin_invites_into_its_own_company_only(client, world):
    make_admin(world.reseller_a_user)
    login(client, world.reseller_a_user)
    # The query names reseller B: a reseller admin's page is always its own company.
    page = client.get(f"/team?reseller={world.reseller_b.id}").get_data(as_text=True)
    assert "Users of Reseller A" in page and world.reseller_b_user.email not in page
    invite(client, "mine@test.example", f"?reseller={world.reseller_b.id}")
    invitation = db.session.scalars(select(OutboxEmail.body).where(
        OutboxEmail.to == "mine@test.example")).one()
    assert "Reseller A" in invitation and "Reseller B" not in invitation


def test_reseller_admin_cannot_change_or_deactivate_another_resellers_user(client, world):
    make_admin(world.reseller_a_user)
    login(client, world.reseller_a_user)
    other = world.reseller_b_user
    role = post_form(client, f"/team/members/{other.id}/role",
                     {"company_role": "billing", "admin_agent": "y"}, token_url="/team")
    active = post_form(client, f"/team/members/{other.id}/active",
                       {"active": "off", "confirm": "yes"}, token_url="/team")
    assert (role.status_code, active.status_code) == (404, 404)
    db.session.refresh(other)
    assert (other.company_role, other.admin_agent, other.active) == ("user", False, True)


def test_reseller_admin_sets_roles_and_deactivates_its_own_users(client, world):
    world.reseller_a_user.admin_agent = True  # it grants admin agent: it holds it
    make_admin(world.reseller_a_user)
    colleague = User(email="colleague@test.example", role="reseller_user",
                     reseller=world.reseller_a)
    colleague.set_password(PASSWORD)
    db.session.add(colleague)
    db.session.commit()
    api_tokens.issue(colleague, "script")
    login(client, world.reseller_a_user)
    post_form(client, f"/team/members/{colleague.id}/role",
              {"company_role": "billing", "admin_agent": "y"}, token_url="/team")
    db.session.refresh(colleague)
    assert (colleague.company_role, colleague.admin_agent) == ("billing", True)
    # Billing users see invoices only, and the API reaches orders: their tokens end.
    assert not any(token.active for token in db.session.scalars(api_tokens.owned_by(colleague)))
    post_form(client, f"/team/members/{colleague.id}/active",
              {"active": "off", "confirm": "yes"}, token_url="/team")
    db.session.refresh(colleague)
    assert colleague.active is False
    events = set(db.session.scalars(select(AuditEvent.kind).where(
        AuditEvent.user_id == colleague.id)))
    assert {"role_changed", "deactivated"} <= events


def test_an_admin_cannot_take_its_own_admin_role(client, world):
    make_admin(world.reseller_a_user)
    login(client, world.reseller_a_user)
    post_form(client, f"/team/members/{world.reseller_a_user.id}/role",
              {"company_role": "user"}, token_url="/team")
    db.session.refresh(world.reseller_a_user)
    assert world.reseller_a_user.company_role == "admin"
    # …nor is it offered: its own row names its role and offers no Deactivate, while a
    # colleague's row offers both.
    colleague = User(email="colleague@test.example", role="reseller_user",
                     reseller=world.reseller_a)
    colleague.set_password(PASSWORD)
    db.session.add(colleague)
    db.session.commit()
    page = client.get("/team").get_data(as_text=True)
    members = page[page.index('<table id="members">'):]

    def row(email: str) -> str:
        return members[members.index(email):members.index("</tr>", members.index(email))]
    own, other = row(world.reseller_a_user.email), row(colleague.email)
    assert 'id="you"' in own and "Deactivate" not in own and "<select" not in own
    assert "Deactivate" in other and "<select" in other


def test_a_reseller_user_manages_no_users(client, world):
    login(client, world.reseller_a_user)
    assert client.get("/team").status_code == 403
    assert invite(client, "x@test.example").status_code == 403
    assert db.session.scalar(select(OutboxEmail).where(OutboxEmail.to == "x@test.example")) \
        is None


def test_a_billing_user_sees_invoices_and_nothing_else(client, world):
    world.reseller_a_user.company_role = CompanyRole.BILLING
    db.session.commit()
    login(client, world.reseller_a_user)
    assert client.get("/invoices").status_code == 200
    assert client.get("/account").status_code == 200
    assert client.get("/").headers["Location"].endswith("/invoices")
    for path in ("/shop", "/cart", "/orders", "/customers", "/subscriptions", "/api-tokens"):
        assert client.get(path).status_code == 403, path


def test_customer_admin_manages_its_own_company(client, world):
    make_admin(world.direct_user)
    login(client, world.direct_user)
    page = client.get("/team").get_data(as_text=True)
    assert "Users of Direct Ltd" in page and world.direct_user.email in page
    assert invite(client, "buyer@direct.example").status_code == 302
    assert emailed_link(JOIN_RE, "buyer@direct.example")


def test_every_form_that_sets_a_password_says_the_policy_before_refusing(client, browser,
                                                                         world):
    """Sign-up and an invitation said nothing of the password policy (accounts/passwords.py)
    until a password was refused; the reset and change pages did."""
    assert HINT in client.get("/signup").get_data(as_text=True)
    login(client, world.admin)
    invite(client, "new@test.example", f"?reseller={world.reseller_a.id}")
    joining = browser().get(emailed_link(JOIN_RE, "new@test.example"))
    assert HINT in joining.get_data(as_text=True)
    assert HINT in client.get("/account").get_data(as_text=True)


def test_inviting_an_address_with_an_account_answers_as_any_other_and_tells_its_holder(
        client, world):
    """Any company admin (a self-signed-up direct customer too) learned from "This email
    already has an account" which addresses have accounts, the provider's admins' too."""
    make_admin(world.reseller_a_user)
    login(client, world.reseller_a_user)
    free, taken = invite(client, "ghost@test.example"), invite(client, world.admin.email)
    assert free.status_code == taken.status_code == 302
    page = client.get("/team").get_data(as_text=True)
    assert "ghost@test.example" in page and world.admin.email in page  # both listed alike
    note = mailed_text(world.admin.email)
    assert "tried to invite this email address" in note and "no invitation was made" in note
    assert JOIN_RE.search(note) is None  # no link: it could never be used


def test_a_company_sends_only_so_many_invitations_an_hour(app, client, world):
    """Each invitation mails an address its admin types; anyone can become a company admin
    by signing up, so the form must not mail anyone at will."""
    app.config["INVITATIONS_PER_HOUR"] = 2
    make_admin(world.reseller_a_user)
    login(client, world.reseller_a_user)
    assert [invite(client, f"n{n}@test.example").status_code for n in (1, 2)] == [302, 302]
    third = invite(client, "n3@test.example")
    page = third.get_data(as_text=True)
    assert third.status_code == 429 and int(third.headers["Retry-After"]) > 0
    assert "Reseller A has sent as many invitations as an hour allows" in page
    assert 'value="n3@test.example"' in page  # what was typed is kept
    assert mailed_text("n3@test.example") == ""


def test_a_company_admin_cannot_reactivate_a_user_the_provider_deactivated(client, world):
    """The provider's deactivation (abuse, a leaver reported to it) stands until the
    provider lifts it; the company's own deactivations its admin may undo."""
    make_admin(world.reseller_a_user)
    colleague = User(email="colleague@test.example", role="reseller_user",
                     reseller=world.reseller_a)
    colleague.set_password(PASSWORD)
    db.session.add(colleague)
    db.session.commit()
    login(client, world.admin)
    post_form(client, f"/admin/users/{colleague.id}/active", {"active": "off",
                                                              "confirm": "yes"},
              token_url=f"/admin/resellers/{world.reseller_a.id}")
    db.session.refresh(colleague)
    assert colleague.active is False
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, world.reseller_a_user)
    post_form(client, f"/team/members/{colleague.id}/active", {"active": "on"},
              token_url="/team")
    page = client.get("/team").get_data(as_text=True)
    assert "only the provider can reactivate this user" in page
    assert 'data-testid="held-by-provider">deactivated by your provider' in page
    db.session.refresh(colleague)
    assert colleague.active is False
    # Deactivated by the company's own admin, it is the company's to reactivate.
    colleague.active = True
    db.session.commit()
    post_form(client, f"/team/members/{colleague.id}/active",
              {"active": "off", "confirm": "yes"}, token_url="/team")
    post_form(client, f"/team/members/{colleague.id}/active", {"active": "on"},
              token_url="/team")
    db.session.refresh(colleague)
    assert colleague.active is True


def invitations_from_each_company(client, world, email: str) -> list:
    """The admins of reseller A, reseller B and the direct customer each invite `email`."""
    answers = []
    for user in (world.reseller_a_user, world.reseller_b_user, world.direct_user):
        make_admin(user)
        login(client, user)
        answers.append(invite(client, email))
        client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    return answers


def emails_to(address: str) -> int:
    return len(db.session.scalars(select(OutboxEmail).where(OutboxEmail.to == address)).all())


def test_an_address_gets_only_so_many_invitations_a_day_from_every_company_together(
        app, client, world):
    """The per-company allowance left the victim of many companies (anyone can sign one up)
    as much mail as they cared to send; a +tag reaches the same mailbox, so it counts too."""
    app.config["INVITATIONS_PER_ADDRESS_PER_DAY"] = 2
    with time_machine.travel(NOW, tick=False):
        first, second, third = invitations_from_each_company(client, world,
                                                             "Victim+3@Test.example")
        page = third.get_data(as_text=True)
        assert (first.status_code, second.status_code, third.status_code) == (302, 302, 429)
        assert int(third.headers["Retry-After"]) == 24 * 3600
        assert "This address has had as many invitations as a day allows, from every " \
               "company together; wait 24 hours, then send it again." in page
        assert 'value="Victim+3@Test.example"' in page  # what was typed is kept
        assert emails_to("victim+3@test.example") == 2
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        login(client, world.direct_user)
        assert invite(client, "victim@test.example").status_code == 302  # a day later


def test_the_address_allowance_answers_alike_whether_the_address_has_an_account(
        app, client, world):
    """bd9553b: the invitation form must not tell which addresses have accounts, its
    refusals included: the holder's note counts as an invitation, and the answer is the
    same."""
    app.config["INVITATIONS_PER_ADDRESS_PER_DAY"] = 2
    with time_machine.travel(NOW, tick=False):
        free = invitations_from_each_company(client, world, "ghost@test.example")[-1]
        taken = invitations_from_each_company(client, world, world.admin.email)[-1]

    def refusal(answer) -> str:
        page = answer.get_data(as_text=True)
        return re.search(r"Email: (This address has had [^<]*)<", page)[1]

    assert free.status_code == taken.status_code == 429
    assert free.headers["Retry-After"] == taken.headers["Retry-After"]
    assert refusal(free) == refusal(taken)
    assert emails_to("ghost@test.example") == emails_to(world.admin.email) == 2


def test_the_providers_admins_still_invite_an_address_past_its_daily_allowance(
        app, client, world):
    """Any company can spend an address's allowance; its real employer asks the provider."""
    app.config["INVITATIONS_PER_ADDRESS_PER_DAY"] = 2
    with time_machine.travel(NOW, tick=False):
        assert [a.status_code for a in invitations_from_each_company(
            client, world, "hired@test.example")] == [302, 302, 429]
        login(client, world.admin)
        answer = invite(client, "hired@test.example", f"?customer={world.direct.id}")
        assert answer.status_code == 302
        assert JOIN_RE.search(mailed_text("hired@test.example"))


def test_another_companys_invitation_to_the_same_address_leaves_this_one_open(
        client, browser, world):
    """An invitation replaced older ones to its address from any company: anyone can sign a
    company up and invite that address, and so end another company's invitation unseen."""
    make_admin(world.reseller_a_user)
    login(client, world.reseller_a_user)
    invite(client, "newhire@test.example", company_role="billing")
    link = emailed_link(JOIN_RE, "newhire@test.example")
    other = browser()
    make_admin(world.direct_user)
    login(other, world.direct_user)
    assert invite(other, "newhire@test.example").status_code == 302
    assert "newhire@test.example" in open_invitations(client.get("/team").get_data(as_text=True))
    accepted = post_form(browser(), link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert accepted.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "newhire@test.example"))
    assert (user.reseller_id, user.company_role) == (world.reseller_a.id, "billing")


def test_a_new_invitation_from_the_same_company_replaces_its_older_one(client, browser, world):
    make_admin(world.reseller_a_user)
    login(client, world.reseller_a_user)
    invite(client, "twice@test.example")
    first = emailed_link(JOIN_RE, "twice@test.example")
    invite(client, "twice@test.example", company_role="billing")
    second = emailed_link(JOIN_RE, "twice@test.example")
    assert browser().get(first).status_code == 404
    assert browser().get(second).status_code == 200
    page = client.get("/team").get_data(as_text=True)
    assert open_invitations(page).count("<li>") == 1


def open_invitations(page: str) -> str:
    """The team page's list of open invitations."""
    return page[page.index('id="invitations"'):].split("</ul>", 1)[0]


def revoke(client, row_id: int, query: str = ""):
    return post_form(client, f"/team/invitations/{row_id}/revoke", {"confirm": "yes"},
                     token_url=f"/team{query}")


def invitation_id(email: str) -> int:
    return db.session.scalars(select(AccountLink.id).where(AccountLink.email == email)).one()


def test_a_company_admin_revokes_its_invitation_and_the_link_dies_at_once(
        client, browser, world):
    make_admin(world.reseller_a_user)
    login(client, world.reseller_a_user)
    invite(client, "gone@test.example")
    link = emailed_link(JOIN_RE, "gone@test.example")
    invitee = browser()
    token = csrf_token(invitee, link)  # the form is open in the invitee's browser
    answer = revoke(client, invitation_id("gone@test.example"))
    assert answer.status_code == 302
    page = client.get("/team").get_data(as_text=True)
    assert "The invitation to gone@test.example is revoked" in page
    assert 'id="invitations"' not in page
    refused = invitee.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
                                       "csrf_token": token})
    assert refused.status_code == 404
    assert "withdrawn" in refused.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.email == "gone@test.example")) is None
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.kind == "invitation_revoked")).one()
    assert (event.email, event.actor_id, event.reseller_id) == (
        "gone@test.example", world.reseller_a_user.id, world.reseller_a.id)


def test_revoking_asks_first_and_names_the_consequence(client, world):
    make_admin(world.reseller_a_user)
    login(client, world.reseller_a_user)
    invite(client, "asked@test.example")
    row_id = invitation_id("asked@test.example")
    page = client.get("/team").get_data(as_text=True)
    assert f'action="/team/invitations/{row_id}/revoke"' in page
    unconfirmed = post_form(client, f"/team/invitations/{row_id}/revoke", {},
                            token_url="/team")
    assert unconfirmed.status_code == 422
    assert "stops working at once" in unconfirmed.get_data(as_text=True)
    assert db.session.get(AccountLink, row_id).used_at is None


def test_a_company_admin_cannot_revoke_another_companys_invitation(client, browser, world):
    make_admin(world.reseller_b_user)
    login(client, world.reseller_b_user)
    invite(client, "theirs@test.example")
    row_id = invitation_id("theirs@test.example")
    other = browser()
    make_admin(world.reseller_a_user)
    login(other, world.reseller_a_user)
    assert revoke(other, row_id).status_code == 404
    assert db.session.get(AccountLink, row_id).used_at is None
    assert browser().get(emailed_link(JOIN_RE, "theirs@test.example")).status_code == 200


def test_the_providers_admin_revokes_any_companys_invitation(client, browser, world):
    make_admin(world.direct_user)
    login(client, world.direct_user)
    invite(client, "direct-hire@test.example")
    admin = browser()
    login(admin, world.admin)
    query = f"?customer={world.direct.id}"
    answer = revoke(admin, invitation_id("direct-hire@test.example"), query)
    assert answer.status_code == 302 and answer.headers["Location"].endswith(query)
    assert browser().get(emailed_link(JOIN_RE, "direct-hire@test.example")).status_code == 404


def deactivate_as_provider(admin, user, world):
    return post_form(admin, f"/admin/users/{user.id}/active", {"active": "off",
                                                               "confirm": "yes"},
                     token_url=f"/admin/resellers/{world.reseller_a.id}")


def test_an_invitation_ends_when_the_provider_deactivates_its_sender(client, browser, world):
    """The audit's case: Reseller A's admin invited an admin and admin agent, then left;
    the provider deactivated it, and the invitee still became an admin of Reseller A."""
    world.reseller_a_user.admin_agent = True
    make_admin(world.reseller_a_user)
    login(client, world.reseller_a_user)
    invite(client, "mallory@test.example", company_role="admin", admin_agent="y")
    link = emailed_link(JOIN_RE, "mallory@test.example")
    invitee = browser()
    token = csrf_token(invitee, link)
    admin = browser()
    login(admin, world.admin)
    asked = post_form(admin, f"/admin/users/{world.reseller_a_user.id}/active",
                      {"active": "off"}, token_url=f"/admin/resellers/{world.reseller_a.id}")
    assert "the invitations it sent that are still open stop working" in \
        asked.get_data(as_text=True)
    assert deactivate_as_provider(admin, world.reseller_a_user, world).status_code == 302
    said = admin.get(f"/admin/resellers/{world.reseller_a.id}").get_data(as_text=True)
    assert "The 1 invitation it sent that was still open no longer works." in said
    refused = invitee.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
                                       "csrf_token": token})
    assert refused.status_code == 404
    assert db.session.scalar(select(User).where(User.email == "mallory@test.example")) is None
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.kind == "invitation_revoked")).one()
    assert (event.email, event.actor_id, event.reseller_id) == (
        "mallory@test.example", world.admin.id, world.reseller_a.id)
    assert event.detail == f"its sender {world.reseller_a_user.email} was deactivated"


def test_an_invitation_ends_when_its_sender_is_no_longer_an_admin(client, browser, world):
    make_admin(world.direct_user)
    colleague = User(email="colleague@direct.example", role="customer_user",
                     customer=world.direct, company_role=CompanyRole.ADMIN)
    colleague.set_password(PASSWORD)
    db.session.add(colleague)
    db.session.commit()
    login(client, colleague)
    invite(client, "hire@direct.example")
    link = emailed_link(JOIN_RE, "hire@direct.example")
    other = browser()
    login(other, world.direct_user)
    url = f"/team/members/{colleague.id}/role"
    asked = post_form(other, url, {"company_role": "user"}, token_url="/team")
    assert asked.status_code == 422
    assert "the 1 invitation it sent that is still open stops working at once" in \
        asked.get_data(as_text=True)
    assert browser().get(link).status_code == 200  # nothing changed before confirming
    post_form(other, url, {"company_role": "user", "confirm": "yes"}, token_url="/team")
    page = other.get("/team").get_data(as_text=True)
    assert "The 1 invitation it sent that was still open no longer works." in page
    assert 'id="invitations"' not in page
    assert browser().get(link).status_code == 404


def test_accepting_checks_again_that_the_sender_may_still_invite(client, browser, world):
    """Whatever ended the sender's right (a change made elsewhere than the team page), the
    link opens nothing once the sender may no longer invite for the company."""
    make_admin(world.reseller_a_user)
    login(client, world.reseller_a_user)
    invite(client, "late@test.example")
    link = emailed_link(JOIN_RE, "late@test.example")
    world.reseller_a_user.company_role = CompanyRole.USER
    db.session.commit()
    opened = browser().get(link)
    assert opened.status_code == 404 and "withdrawn" in opened.get_data(as_text=True)
    make_admin(world.reseller_a_user)
    invitee = browser()
    token = csrf_token(invitee, link)
    world.reseller_a_user.active = False
    db.session.commit()
    refused = invitee.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
                                       "csrf_token": token})
    assert refused.status_code == 404
    assert db.session.scalar(select(User).where(User.email == "late@test.example")) is None


def test_an_invitation_works_only_while_its_company_is_active(client, browser, world):
    """However the reseller came to be inactive, its invitation's link opens nothing."""
    login(client, world.admin)
    invite(client, "joiner@test.example", f"?reseller={world.reseller_a.id}")
    link = emailed_link(JOIN_RE, "joiner@test.example")
    world.reseller_a.active = False
    db.session.commit()
    assert browser().get(link).status_code == 404


def save_reseller(admin, reseller, **data):
    """The provider's reseller form; without active=y it deactivates the reseller."""
    return post_form(admin, f"/admin/resellers/{reseller.id}", {
        "company_name": reseller.company_name, "mpn_id": reseller.mpn_id,
        "contact_name": "Ada", "contact_email": "ada@example.com", **data})


def test_deactivating_a_reseller_ends_its_open_invitations_for_good(client, browser, world):
    """The audit's case: invited, the reseller deactivated, then reactivated within the
    invitation's 7 days, and the link worked again."""
    make_admin(world.reseller_a_user)
    login(client, world.reseller_a_user)
    invite(client, "joiner@test.example")
    link = emailed_link(JOIN_RE, "joiner@test.example")
    admin = browser()
    login(admin, world.admin)
    asked = save_reseller(admin, world.reseller_a)
    assert asked.status_code == 422
    assert "its open invitations stop working" in asked.get_data(as_text=True)
    assert browser().get(link).status_code == 200  # nothing changed before confirming
    assert save_reseller(admin, world.reseller_a, confirm="yes").status_code == 302
    assert save_reseller(admin, world.reseller_a, active="y").status_code == 302
    assert browser().get(link).status_code == 404
    accepted = post_form(browser(), link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
                         token_url="/login")
    assert accepted.status_code == 404
    assert db.session.scalar(select(User).where(User.email == "joiner@test.example")) is None
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.kind == "invitation_revoked")).one()
    assert (event.email, event.actor_id, event.reseller_id, event.detail) == (
        "joiner@test.example", world.admin.id, world.reseller_a.id,
        "Reseller A was deactivated")


def test_the_providers_add_a_user_invites_and_never_sets_a_password(client, browser, world):
    """The provider's admin typed the new user's password: no proof of the address, a
    password someone else knows, no allowance and no audit event. It now invites, with the
    team page's role choices and allowances, and the invitee chooses its own password."""
    login(client, world.admin)
    new_user = client.get(f"/admin/resellers/{world.reseller_a.id}/users/new")
    page = new_user.get_data(as_text=True)
    assert 'type="password"' not in page and "chooses their own password" in page
    assert 'name="company_role"' in page
    answer = post_form(client, f"/admin/resellers/{world.reseller_a.id}/users/new", {
        "name": "Ann Agent", "email": "Ann@Test.example", "company_role": "admin",
        "admin_agent": "y"})
    assert answer.status_code == 302
    assert "An invitation is on its way to ann@test.example" in client.get(
        answer.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.email == "ann@test.example")) is None
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.kind == "invited")).one()
    assert (event.email, event.actor_id, event.reseller_id, event.detail) == (
        "ann@test.example", world.admin.id, world.reseller_a.id, "as admin and admin agent")
    link = emailed_link(JOIN_RE, "ann@test.example")
    post_form(browser(), link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    user = db.session.scalar(select(User).where(User.email == "ann@test.example"))
    assert (user.reseller_id, user.company_role, user.admin_agent) == (
        world.reseller_a.id, "admin", True)


def test_the_providers_add_a_user_counts_against_the_companys_allowance(app, client, world):
    app.config["INVITATIONS_PER_HOUR"] = 1
    login(client, world.admin)
    url = f"/admin/resellers/{world.reseller_a.id}/users/new"
    assert invite(client, "first@test.example", f"?reseller={world.reseller_a.id}"
                  ).status_code == 302
    refused = post_form(client, url, {"name": "Second", "email": "second@test.example",
                                      "company_role": "user"})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    page = refused.get_data(as_text=True)
    assert "Reseller A has sent as many invitations as an hour allows" in page
    assert 'value="second@test.example"' in page
    assert mailed_text("second@test.example") == ""
