"""A company's users: who may invite, deactivate and set the roles of whom.

Policy: a company is one reseller or one customer. Its users are managed by the
provider's admins (any company) and by the company's own admins (CompanyRole.ADMIN: their
company only, never another's). An admin cannot change its own role or deactivate itself,
so a company is never left without the admin who was acting. Invitations go by email as a
single-use link valid for 7 days (accounts/links.py); the invitee chooses its own
password, and the account exists only once it does. Each mails an address typed, so a
company sends at most INVITATIONS_PER_HOUR, and an address is sent at most
INVITATIONS_PER_ADDRESS_PER_DAY by companies together (anyone can sign one up). Making a
user billing-only revokes its API tokens, since the API reaches orders and billing users
see invoices only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from accounts import api_tokens, audit, emails, links, passwords, sessions
from accounts.models import ApiToken, CompanyRole, Customer, Reseller, Role, User, UserSession
from accounts.services import EmailTaken, InvalidEmail
from accounts.sign_in import normalise, user_by_email
from accounts.throttle import Store, allowance_wait
from persistence import db

Mail = Callable[[str, str, str], None]  # (to, subject, body): adds an outbox email


class NotAllowed(ValueError):
    """The change is refused (e.g. an admin demoting itself); the message says why."""


@dataclass(frozen=True)
class Company:
    """A reseller or a customer, as the owner of users."""

    reseller: Reseller | None = None
    customer: Customer | None = None

    @property
    def name(self) -> str:
        return (self.reseller or self.customer).company_name

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


def open_invitations(company: Company, now: datetime) -> list[links.AccountLink]:
    owner = company.owner
    return [row for row in links.pending(links.Purpose.INVITATION, now)
            if (row.data.get("reseller_id"), row.data.get("customer_id"))
            == (owner["reseller_id"], owner["customer_id"])]


def invitation_wait(store: Store, company: Company, limit: int, now: datetime) -> int | None:
    """Count an invitation against its company's hourly allowance; the seconds to wait when
    over it. Each one mails an address the company's admin types, and anyone becomes a
    company admin by signing up, so the form must not mail anyone at will."""
    owner = company.owner
    return allowance_wait(store, f"invite:{owner['reseller_id']}:{owner['customer_id']}",
                          limit, 3600, now)


def address_invitation_wait(store: Store, actor: User, email: str, limit: int,
                            now: datetime) -> int | None:
    """Count an invitation against the invited address's daily allowance, whichever company
    sends it; the seconds to wait when over it. The company's hourly one alone let many
    companies (anyone can sign one up) mail one person at will. Counted alike whether the
    address has an account (its holder is mailed a note instead), so a refusal tells nothing
    of that. The provider's admins are neither counted nor held to it: companies spending
    an address's allowance cannot keep its holder from being invited."""
    if actor.is_provider_admin:
        return None
    return allowance_wait(store, "invite:address:" + mailbox(email), limit, 24 * 3600, now)


def mailbox(email: str) -> str:
    """The mailbox an address reaches, as far as we can tell: lower case and without a
    +tag (name+x@ and name+y@ reach name@ at most providers)."""
    local, _, domain = normalise(email).rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}"


def invite(actor: User, company: Company, *, email: str, name: str, company_role: str,
           admin_agent: bool, now: datetime, mail: Mail,
           accept_url: Callable[[str], str]) -> links.AccountLink:
    """Email an invitation to join the company (commits once). InvalidEmail for an address
    too long, NotAllowed for an actor who may not.

    An address that has an account anywhere is invited all the same as far as the inviter
    can tell (the same answer, an open invitation listed), but its holder is mailed a note
    instead of a link: refusing it told any company admin, and anyone can become one by
    signing up, which addresses have accounts (the provider's admins' too). Its link could
    never be used anyway: accepting refuses a taken address."""
    if not may_manage(actor, company):
        raise NotAllowed("Only the provider's admins and this company's admins invite its "
                         "users.")
    problem = emails.length_problem(email)
    if problem is not None:
        raise InvalidEmail(problem)
    email = normalise(email)
    role = CompanyRole(company_role)
    row, secret = links.issue(links.Purpose.INVITATION, email, now, created_by=actor, data={
        **company.owner, "name": name.strip(), "company_role": role.value,
        "admin_agent": bool(admin_agent)})
    if user_by_email(email) is not None:
        mail(email, *_holder_note(actor, company))
    else:
        mail(email, *_invitation_email(actor, company, accept_url(secret)))
    audit.record(audit.Kind.INVITED, actor=actor, email=email, now=now,
                 detail=f"as {role.value}{' and admin agent' if admin_agent else ''}",
                 **company.owner)
    db.session.commit()
    return row


def _invitation_email(actor: User, company: Company, link: str) -> tuple[str, str]:
    inviter = actor.name or actor.email
    return (f"You are invited to {company.name}"[:200], (
        f"{inviter} invites you to sign in to the storefront for {company.name}. Open this "
        f"link within 7 days and choose your password:\n\n{link}\n\n"
        "The link works once. If you did not expect this, ignore this email: no account is "
        "made."))


def _holder_note(actor: User, company: Company) -> tuple[str, str]:
    inviter = actor.name or actor.email
    return (f"{company.name} tried to invite you"[:200], (
        f"{inviter} tried to invite this email address to the storefront for {company.name}. "
        "It already has an account, and each person signs in with one address, so no "
        f"invitation was made. If you should work for {company.name} too, tell them to "
        "invite another address of yours. If you did not expect this, ignore this email: "
        "nothing has changed."))


def accept(secret: str, password: str, now: datetime) -> User:
    """Create the invited user with the password it chose (commits once). LinkInvalid,
    WeakPassword, or EmailTaken when the address got an account meanwhile."""
    row = links.live(links.Purpose.INVITATION, secret, now)
    passwords.check(password)
    links.claim(row, now)
    data = row.data
    role = Role.RESELLER_USER if data.get("reseller_id") else Role.CUSTOMER_USER
    user = User(email=row.email, role=role, name=data.get("name") or "",
                reseller_id=data.get("reseller_id"), customer_id=data.get("customer_id"),
                company_role=data.get("company_role") or CompanyRole.USER,
                admin_agent=bool(data.get("admin_agent")))
    user.set_password(password)
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:  # the address got an account since the invitation
        db.session.rollback()
        raise EmailTaken("This address has an account now; sign in instead.") from None
    audit.record(audit.Kind.INVITATION_ACCEPTED, user=user, actor=user, now=now)
    db.session.commit()
    return user


def set_role(actor: User, user: User, *, company_role: str, admin_agent: bool,
             now: datetime) -> None:
    """Change a member's role and admin-agent permission (commits once)."""
    role = CompanyRole(company_role)
    if user.id == actor.id and role != CompanyRole.ADMIN:
        raise NotAllowed("You cannot take your own admin role: ask another admin of your "
                         "company, so it is never left without one.")
    before = f"{user.company_role}{' + admin agent' if user.admin_agent else ''}"
    user.company_role, user.admin_agent = role, bool(admin_agent)
    after = f"{user.company_role}{' + admin agent' if user.admin_agent else ''}"
    if before == after:
        return
    if role == CompanyRole.BILLING:
        api_tokens.revoke_where(ApiToken.user_id == user.id, now)
    audit.record(audit.Kind.ROLE_CHANGED, user=user, actor=actor, now=now,
                 detail=f"{before} → {after}")
    db.session.commit()


def set_active(actor: User, user: User, on: bool, now: datetime) -> None:
    """Reactivate or deactivate a member; deactivation ends its sessions and revokes its
    API tokens for good (commits once)."""
    if user.id == actor.id:
        raise NotAllowed("You cannot deactivate yourself.")
    if bool(user.active) == on:
        return
    if on and actor.role != Role.PROVIDER_ADMIN:
        _may_reactivate(user)
    user.active = on
    if not on:
        sessions.end_sessions(UserSession.user_id == user.id, now)
        api_tokens.revoke_where(ApiToken.user_id == user.id, now)
    audit.record(audit.Kind.ACTIVATED if on else audit.Kind.DEACTIVATED, user=user,
                 actor=actor, now=now)
    db.session.commit()


def _may_reactivate(user: User) -> None:
    """A user the provider deactivated stays so until the provider reactivates it: the
    provider's decision (abuse, a leaver reported to it) is not for the company to undo."""
    last = deactivated_by_provider(user)
    if last is not None:
        raise NotAllowed(f"Your provider deactivated {user.email} on {last.at:%Y-%m-%d}; "
                         "only the provider can reactivate this user. Ask your provider.")


def deactivated_by_provider(user: User) -> audit.AuditEvent | None:
    """The event of an inactive user's deactivation when a provider admin did it."""
    if user.active:
        return None
    last = db.session.scalar(select(audit.AuditEvent).where(
        audit.AuditEvent.user_id == user.id,
        audit.AuditEvent.kind == audit.Kind.DEACTIVATED,
    ).order_by(audit.AuditEvent.at.desc(), audit.AuditEvent.id.desc()).limit(1))
    if last is not None and last.actor is not None \
            and last.actor.role == Role.PROVIDER_ADMIN:
        return last
    return None
