"""A company's users: who may invite, deactivate and set the roles of whom.

Policy: a company is one reseller or one customer. Its users are managed by the
provider's admins (any company) and by the company's own admins (CompanyRole.ADMIN: their
company only, never another's). An admin cannot change its own role or deactivate itself,
so a company is never left without the admin who was acting. Invitations are in
accounts/invitations.py; those a user sent and that are still open stop working once it
is deactivated or is no longer an admin, since it could no longer send them, and those
making an admin agent once it is no longer one. Making a user billing-only revokes its
API tokens, since the API reaches orders and billing users see invoices only.

The admin-agent permission (S4/S7: cancelling, product keys; the keys to customers' tenants)
is granted or withdrawn only by who holds it (ASVS 4.1.3, no privilege beyond one's own):
an admin agent of the company, or the provider's admins. A company admin who is not one
leaves it as it stands, by role form or invitation; withdrawing is held alike, so such an
admin cannot strip a company of its agents (only the provider could give them back), and
a user it distrusts it deactivates instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from accounts import api_tokens, audit, links, sessions
from accounts.models import ApiToken, CompanyRole, Customer, Reseller, Role, User, UserSession
from persistence import db


class NotAllowed(ValueError):
    """The change is refused (e.g. an admin demoting itself); the message says why."""


class AdminAgentNotHeld(NotAllowed):
    """S4/S7: the actor would grant or withdraw admin agent without holding it."""

    rule, code, field = "S4", "S4.admin_agent_not_held", "admin_agent"

    def __init__(self, company_name: str) -> None:
        super().__init__(
            f"Only an admin agent of {company_name} or your provider grants or withdraws "
            "admin agent, since it holds the keys to your customers' Microsoft tenants (S4, "
            "S7). Leave admin agent as it stands (an invitation goes without it), or ask an "
            f"admin agent of {company_name}.")


@dataclass(frozen=True)
class Company:
    """A reseller or a customer, as the owner of users."""

    reseller: Reseller | None = None
    customer: Customer | None = None

    @property
    def name(self) -> str:
        return (self.reseller or self.customer).company_name

    @property
    def active(self) -> bool:
        """Not deactivated by the provider (a reseller, or a direct customer), nor is the
        reseller a customer buys through: deactivating it stops its customers' users too."""
        if self.reseller is not None:
            return bool(self.reseller.active)
        owner = self.customer.reseller
        return bool(self.customer.active) and (owner is None or bool(owner.active))

    @property
    def role(self) -> Role:
        return Role.RESELLER_USER if self.reseller is not None else Role.CUSTOMER_USER

    @property
    def owner(self) -> dict:
        """The User and AuditEvent columns that name this company."""
        if self.reseller is not None:
            return {"reseller_id": self.reseller.id, "customer_id": None}
        return {"reseller_id": None, "customer_id": self.customer.id}

    def holds(self, user: User) -> bool:
        owner = self.owner
        return (user.reseller_id, user.customer_id) == (owner["reseller_id"],
                                                        owner["customer_id"])


def company_of(user: User) -> Company | None:
    """The company a reseller's or customer's user works for (None for provider admins)."""
    if user.reseller is not None:
        return Company(reseller=user.reseller)
    if user.customer is not None:
        return Company(customer=user.customer)
    return None


def may_manage(actor: User, company: Company) -> bool:
    return actor.is_provider_admin or (actor.is_company_admin and company.holds(actor))


def may_grant_admin_agent(actor: User, company: Company) -> bool:
    """Whether the actor may grant or withdraw admin agent in the company: it holds it."""
    return actor.is_provider_admin or (bool(actor.admin_agent) and may_manage(actor, company))


def check_admin_agent(actor: User, company: Company, was: bool, wanted: bool) -> None:
    """AdminAgentNotHeld when the permission would change at the hand of one who may not."""
    if bool(was) != bool(wanted) and not may_grant_admin_agent(actor, company):
        raise AdminAgentNotHeld(company.name)


def members(company: Company) -> list[User]:
    which = (User.reseller_id == company.reseller.id) if company.reseller is not None \
        else (User.customer_id == company.customer.id)
    return list(db.session.scalars(select(User).where(which).order_by(User.email)))


def member_for(actor: User, user_id: int) -> User | None:
    """A user the actor may manage, else None (the page answers 404 either way, so ids of
    other companies' users tell nothing)."""
    user = db.session.get(User, user_id)
    if user is None or user.is_provider_admin:
        return None
    company = company_of(user)
    return user if company is not None and may_manage(actor, company) else None


def set_role(actor: User, user: User, *, company_role: str, admin_agent: bool,
             now: datetime) -> int:
    """Change a member's role and admin-agent permission (commits once); taking its admin
    role ends the invitations it sent that are still open. Returns how many it ended.
    AdminAgentNotHeld when the actor may not change the admin-agent permission."""
    role = CompanyRole(company_role)
    check_admin_agent(actor, company_of(user), user.admin_agent, admin_agent)
    if user.id == actor.id and role != CompanyRole.ADMIN:
        raise NotAllowed("You cannot take your own admin role: ask another admin of your "
                         "company, so it is never left without one.")
    before = f"{user.company_role}{' + admin agent' if user.admin_agent else ''}"
    user.company_role, user.admin_agent = role, bool(admin_agent)
    after = f"{user.company_role}{' + admin agent' if user.admin_agent else ''}"
    if before == after:
        return 0
    if role == CompanyRole.BILLING:
        api_tokens.revoke_where(ApiToken.user_id == user.id, now)
    audit.record(audit.Kind.ROLE_CHANGED, user=user, actor=actor, now=now,
                 detail=f"{before} → {after}")
    ended = end_admin_agent_invitations(user, actor, now) if role == CompanyRole.ADMIN \
        else _end_invitations_sent_by(user, actor, now, "is no longer an admin")
    db.session.commit()
    return ended


def set_active(actor: User, user: User, on: bool, now: datetime) -> int:
    """Reactivate or deactivate a user; deactivation ends its sessions and its open reset
    and email-change links, revokes its API tokens and ends the invitations it sent that
    are still open, all for good (commits once). Returns how many invitations it ended."""
    if user.id == actor.id:
        raise NotAllowed("You cannot deactivate yourself.")
    if bool(user.active) == on:
        return 0
    if on and actor.role != Role.PROVIDER_ADMIN:
        _may_reactivate(user)
    user.active = on
    ended = 0
    if not on:
        sessions.end_sessions(UserSession.user_id == user.id, now)
        links.end_own([user.id], now)
        api_tokens.revoke_where(ApiToken.user_id == user.id, now)
        ended = _end_invitations_sent_by(user, actor, now, "was deactivated")
    audit.record(audit.Kind.ACTIVATED if on else audit.Kind.DEACTIVATED, user=user,
                 actor=actor, now=now)
    db.session.commit()
    return ended


def admin_agent_invitations_sent_by(user: User, now: datetime) -> list[links.AccountLink]:
    """The open invitations making an admin agent that the user sent and that stop
    working once it is no longer one: a company's user's (the provider's admins grant
    admin agent whatever their own flag)."""
    if user.is_provider_admin:
        return []
    return [row for row in invitations_sent_by(user, now) if row.data.get("admin_agent")]


def end_admin_agent_invitations(user: User, actor: User | None, now: datetime) -> int:
    """Once the user is no longer an admin agent, the open invitations it sent making one
    stop working, each audited: they opened nothing already (accounts/invitations.py) but
    stayed listed as open. The caller commits; returns how many ended."""
    if user.admin_agent:
        return 0
    return _end(admin_agent_invitations_sent_by(user, now), actor, now,
                f"its sender {user.email} is no longer an admin agent")


def _end_invitations_sent_by(user: User, actor: User, now: datetime, why: str) -> int:
    """The invitations the user sent that are still open stop working, each audited; the
    caller commits. Accepting one re-checks its sender too (accounts/invitations.py)."""
    return _end(invitations_sent_by(user, now), actor, now, f"its sender {user.email} {why}")


def _end(rows: list[links.AccountLink], actor: User | None, now: datetime, why: str) -> int:
    """End each open invitation, audited with why; how many ended (the caller commits)."""
    ended = 0
    for row in rows:
        try:
            end_invitation(row, actor, now, why)
        except links.LinkInvalid:  # accepted a moment ago
            continue
        ended += 1
    return ended


def open_invitations(company: Company, now: datetime) -> list[links.AccountLink]:
    """The invitations to join the company that are still open, whoever sent them."""
    owner = company.owner
    return [row for row in links.pending(links.Purpose.INVITATION, now)
            if (row.data.get("reseller_id"), row.data.get("customer_id"))
            == (owner["reseller_id"], owner["customer_id"])]


def end_invitations_to(company: Company, actor: User | None, now: datetime, why: str) -> int:
    """The company's open invitations stop working, each audited (a reseller or a direct
    customer deactivated: reactivating it must not revive them); the caller commits.
    Returns how many ended."""
    return _end(open_invitations(company, now), actor, now, why)


def end_invitations_through(reseller: Reseller, actor: User | None, now: datetime,
                            why: str) -> int:
    """The open invitations to the reseller and to each of its end customers stop working,
    each audited (the reseller deactivated); the caller commits. Returns how many ended."""
    customers = set(db.session.scalars(select(Customer.id).where(
        Customer.reseller_id == reseller.id)))
    rows = [row for row in links.pending(links.Purpose.INVITATION, now)
            if row.data.get("reseller_id") == reseller.id
            or (not row.data.get("reseller_id") and row.data.get("customer_id") in customers)]
    return _end(rows, actor, now, why)


def invitations_sent_by(user: User, now: datetime) -> list[links.AccountLink]:
    """The invitations the user sent that are still open."""
    return links.pending(links.Purpose.INVITATION, now,
                         links.AccountLink.created_by_id == user.id)


def end_invitation(row: links.AccountLink, actor: User | None, now: datetime,
                   detail: str) -> None:
    """Spend an open invitation's link so it no longer works, audited as revoked; the caller
    commits. LinkInvalid if it was accepted (or ended) a moment ago."""
    links.claim(row, now)
    audit.record(audit.Kind.INVITATION_REVOKED, actor=actor, email=row.email, now=now,
                 detail=detail, reseller_id=row.data.get("reseller_id"),
                 customer_id=row.data.get("customer_id"))


def _may_reactivate(user: User) -> None:
    """A user the provider deactivated stays so until the provider reactivates it: the
    provider's decision (abuse, a leaver reported to it) is not for the company to undo."""
    last = deactivated_by_provider([user]).get(user.id)
    if last is not None:
        raise NotAllowed(f"Your provider deactivated {user.email} on {last.at:%Y-%m-%d}; "
                         "only the provider can reactivate this user. Ask your provider.")


def deactivated_by_provider(users: list[User]) -> dict[int, audit.AuditEvent]:
    """Of the inactive users, those whose last deactivation a provider admin did, with that
    event: one query for a whole team page, not one per inactive member."""
    inactive = [user.id for user in users if not user.active]
    if not inactive:
        return {}
    events = db.session.scalars(select(audit.AuditEvent).where(
        audit.AuditEvent.user_id.in_(inactive),
        audit.AuditEvent.kind == audit.Kind.DEACTIVATED,
    ).order_by(audit.AuditEvent.at, audit.AuditEvent.id).options(
        joinedload(audit.AuditEvent.actor)))
    last = {event.user_id: event for event in events}  # the latest of each wins
    return {user_id: event for user_id, event in last.items()
            if event.actor is not None and event.actor.role == Role.PROVIDER_ADMIN}
