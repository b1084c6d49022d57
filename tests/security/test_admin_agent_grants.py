"""S4/S7, ASVS 4.1.3: the admin-agent permission (cancel, product keys, and two-factor sign-in
for the keys to customers' tenants) is granted or withdrawn only by who holds it: an admin
agent of the company, or the provider's admins. A company admin who is not one may manage
its users otherwise, but neither hands out admin agent (role form, invitation) nor takes it
away (it deactivates a user it distrusts instead)."""

from __future__ import annotations

import re

from sqlalchemy import select

from accounts.audit import AuditEvent
from accounts.links import AccountLink
from accounts.models import CompanyRole, User
from notifications.models import OutboxEmail
from persistence import db
from tests.conftest import PASSWORD, login, mailed_text, post_form

CODE = "S4.admin_agent_not_held"
REFUSED = ("Only an admin agent of Reseller A or your provider grants or withdraws admin "
           "agent, since")
JOIN_RE = re.compile(r"https://storefront\.example(/team/join\?token=[\w-]+)")


def admin_of_reseller_a(world, *, agent: bool) -> User:
    user = world.reseller_a_user
    user.company_role, user.admin_agent = CompanyRole.ADMIN, agent
    db.session.commit()
    return user


def colleague(world, *, agent: bool = False) -> User:
    user = User(email="colleague@test.example", role="reseller_user",
                reseller=world.reseller_a, admin_agent=agent)
    user.set_password(PASSWORD)
    db.session.add(user)
    db.session.commit()
    return user


def set_role(client, user: User, **data):
    return post_form(client, f"/team/members/{user.id}/role", data, token_url="/team")


def row_of(page: str, email: str) -> str:
    members = page[page.index('<table id="members">'):]
    start = members.index(email)
    return members[start:members.index("</tr>", start)]


def role_changes(user: User) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.user_id == user.id, AuditEvent.kind == "role_changed")))


def test_a_company_admin_who_is_not_an_admin_agent_cannot_make_a_colleague_one(client, world):
    """The audit's case: a plain company admin ticked Admin agent for a colleague."""
    admin_of_reseller_a(world, agent=False)
    other = colleague(world)
    login(client, world.reseller_a_user)
    refused = set_role(client, other, company_role="billing", admin_agent="y")
    assert refused.status_code == 403
    page = refused.get_data(as_text=True)
    assert CODE in page and REFUSED in page
    assert '<option selected value="billing">' in row_of(page, other.email)  # input kept
    db.session.refresh(other)
    assert (other.company_role, other.admin_agent) == ("user", False)
    assert role_changes(other) == []


def test_a_company_admin_who_is_not_an_admin_agent_cannot_withdraw_it_either(client, world):
    admin_of_reseller_a(world, agent=False)
    other = colleague(world, agent=True)
    login(client, world.reseller_a_user)
    refused = set_role(client, other, company_role="user", confirm="yes")
    assert refused.status_code == 403 and CODE in refused.get_data(as_text=True)
    db.session.refresh(other)
    assert other.admin_agent is True


def test_it_still_changes_an_admin_agents_role_and_keeps_the_permission(client, world):
    admin_of_reseller_a(world, agent=False)
    other = colleague(world, agent=True)
    login(client, world.reseller_a_user)
    row = row_of(client.get("/team").get_data(as_text=True), other.email)
    # The box is shown as it stands, disabled; a hidden field keeps the permission as is.
    assert re.search(r'<input[^>]*type="checkbox"[^>]*disabled', row)
    assert '<input type="hidden" name="admin_agent" value="y">' in row
    assert set_role(client, other, company_role="admin", admin_agent="y").status_code == 302
    db.session.refresh(other)
    assert (other.company_role, other.admin_agent) == ("admin", True)


def test_the_role_form_offers_admin_agent_only_to_who_may_grant_it(client, world):
    admin_of_reseller_a(world, agent=False)
    other = colleague(world)
    login(client, world.reseller_a_user)
    page = client.get("/team").get_data(as_text=True)
    assert re.search(rf'<input[^>]*id="agent-{other.id}"[^>]*disabled', page)
    assert "Only an admin agent of Reseller A or your provider grants" in page
    invite_form = page[page.index("Invite a user"):]
    assert re.search(r'<input[^>]*disabled[^>]*name="admin_agent"|'
                     r'<input[^>]*name="admin_agent"[^>]*disabled', invite_form)
    world.reseller_a_user.admin_agent = True
    db.session.commit()
    page = client.get("/team").get_data(as_text=True)
    assert "disabled" not in row_of(page, other.email)
    assert "Only an admin agent of Reseller A or your provider grants" not in page


def test_an_admin_agent_of_the_company_grants_and_withdraws_it(client, world):
    admin_of_reseller_a(world, agent=True)
    other = colleague(world)
    login(client, world.reseller_a_user)
    assert set_role(client, other, company_role="user", admin_agent="y").status_code == 302
    db.session.refresh(other)
    assert other.admin_agent is True
    assert set_role(client, other, company_role="user", confirm="yes").status_code == 302
    db.session.refresh(other)
    assert other.admin_agent is False
    assert [event.detail for event in role_changes(other)] == [
        "user → user + admin agent", "user + admin agent → user"]


def test_the_providers_admin_grants_it_from_the_team_page(client, world):
    other = colleague(world)
    login(client, world.admin)
    query = f"?reseller={world.reseller_a.id}"
    answer = post_form(client, f"/team/members/{other.id}/role",
                       {"company_role": "user", "admin_agent": "y"}, token_url=f"/team{query}")
    assert answer.status_code == 302
    db.session.refresh(other)
    assert other.admin_agent is True


def test_a_company_admin_who_is_not_an_admin_agent_cannot_invite_one(client, world):
    admin_of_reseller_a(world, agent=False)
    login(client, world.reseller_a_user)
    refused = post_form(client, "/team/invite", {
        "name": "Mallory", "email": "mallory@test.example", "company_role": "admin",
        "admin_agent": "y"}, token_url="/team")
    assert refused.status_code == 403
    page = refused.get_data(as_text=True)
    assert CODE in page and REFUSED in page
    assert 'value="mallory@test.example"' in page and 'value="Mallory"' in page
    assert db.session.scalar(select(AccountLink)) is None
    assert db.session.scalar(select(OutboxEmail).where(
        OutboxEmail.to == "mallory@test.example")) is None


def test_an_admin_agent_invites_one_while_it_still_holds_the_permission(client, browser,
                                                                       world):
    """An invitation grants what its sender could grant: the sender's admin agent withdrawn
    meanwhile, an invitation carrying it opens nothing."""
    admin_of_reseller_a(world, agent=True)
    login(client, world.reseller_a_user)
    answer = post_form(client, "/team/invite", {
        "name": "Ann", "email": "ann@test.example", "company_role": "user",
        "admin_agent": "y"}, token_url="/team")
    assert answer.status_code == 302
    link = JOIN_RE.search(mailed_text("ann@test.example"))[1]
    assert browser().get(link).status_code == 200
    world.reseller_a_user.admin_agent = False
    db.session.commit()
    assert browser().get(link).status_code == 404


def invite_two(client) -> dict[str, str]:
    """As reseller A's admin and admin agent: one invitation making an admin agent, one not;
    their links by address."""
    for email, agent in (("ann@test.example", {"admin_agent": "y"}), ("bob@test.example", {})):
        answer = post_form(client, "/team/invite", {
            "name": "New", "email": email, "company_role": "user", **agent}, token_url="/team")
        assert answer.status_code == 302
    return {email: JOIN_RE.search(mailed_text(email))[1]
            for email in ("ann@test.example", "bob@test.example")}


def open_listed(client, query: str = "") -> str:
    page = client.get(f"/team{query}").get_data(as_text=True)
    return page[page.index('id="invitations"'):] if 'id="invitations"' in page else ""


def test_withdrawing_admin_agent_on_the_team_page_ends_the_admin_agent_invitations_it_sent(
        client, browser, world):
    """They opened nothing once their sender lost the permission, yet stayed listed as open
    until they expired; now they end with the change, audited, and the confirmation says so."""
    sender = admin_of_reseller_a(world, agent=True)
    login(client, sender)
    links = invite_two(client)
    admin = browser()
    login(admin, world.admin)
    query = f"?reseller={world.reseller_a.id}"
    url = f"/team/members/{sender.id}/role"
    asked = post_form(admin, url, {"company_role": "admin"}, token_url=f"/team{query}")
    assert asked.status_code == 422
    assert ("the 1 invitation it sent making an admin agent that is still open stops working "
            "at once") in asked.get_data(as_text=True)
    assert post_form(admin, url, {"company_role": "admin", "confirm": "yes"},
                     token_url=f"/team{query}").status_code == 302
    said = admin.get(f"/team{query}").get_data(as_text=True)
    assert "The 1 invitation it sent making an admin agent that was still open no longer " \
        "works." in said
    listed = open_listed(admin, query)
    assert "ann@test.example" not in listed and "bob@test.example" in listed
    assert browser().get(links["ann@test.example"]).status_code == 404
    assert browser().get(links["bob@test.example"]).status_code == 200
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.kind == "invitation_revoked")).one()
    assert (event.email, event.actor_id, event.detail) == (
        "ann@test.example", world.admin.id,
        f"its sender {sender.email} is no longer an admin agent")


def test_withdrawing_admin_agent_from_the_admin_page_ends_them_too(client, browser, world):
    sender = admin_of_reseller_a(world, agent=True)
    login(client, sender)
    links = invite_two(client)
    admin = browser()
    login(admin, world.admin)
    url = f"/admin/users/{sender.id}/admin-agent"
    page = f"/admin/resellers/{world.reseller_a.id}"
    asked = post_form(admin, url, {"admin_agent": "off"}, token_url=page)
    assert ("the 1 invitation it sent making an admin agent that is still open stops working "
            "at once") in asked.get_data(as_text=True)
    assert post_form(admin, url, {"admin_agent": "off", "confirm": "yes"},
                     token_url=page).status_code == 302
    assert "The 1 invitation it sent making an admin agent that was still open no longer " \
        "works." in admin.get(page).get_data(as_text=True)
    assert browser().get(links["ann@test.example"]).status_code == 404
    assert browser().get(links["bob@test.example"]).status_code == 200
    db.session.refresh(sender)
    assert sender.admin_agent is False


def test_a_provider_admin_losing_admin_agent_keeps_its_invitations(client, browser, world):
    """The provider's admins may grant admin agent whatever their own flag: their
    invitations still stand, so none ends."""
    other = User(email="second-admin@test.example", role="provider_admin", admin_agent=True)
    other.set_password(PASSWORD)
    db.session.add(other)
    db.session.commit()
    login(client, other)
    query = f"?reseller={world.reseller_a.id}"
    assert post_form(client, f"/team/invite{query}", {
        "name": "Ann", "email": "ann@test.example", "company_role": "user",
        "admin_agent": "y"}, token_url=f"/team{query}").status_code == 302
    link = JOIN_RE.search(mailed_text("ann@test.example"))[1]
    admin = browser()
    login(admin, world.admin)
    assert post_form(admin, f"/admin/users/{other.id}/admin-agent",
                     {"admin_agent": "off", "confirm": "yes"},
                     token_url="/admin/resellers").status_code == 302
    assert browser().get(link).status_code == 200
