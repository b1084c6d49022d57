"""Invitations to join a company, by email.

Policy: the provider's admins and a company's own admins (accounts/team.py) invite its
users. An invitation goes by email as a single-use link valid for 7 days
(accounts/links.py); the invitee chooses its own password, and the account exists only
once it does. Each mails an address typed, so a company sends at most
INVITATIONS_PER_HOUR, and an address is sent at most INVITATIONS_PER_ADDRESS_PER_DAY by
companies together (anyone can sign one up). Whoever may invite a company's users may
revoke its open invitations: the link stops working at once. An invitation grants what its
sender could grant, so it works only while the sender still may invite for the company
(active, and its admin or one of the provider's) and the company is active, and one
making an admin agent only while its sender may still grant that (accounts/team.py: an
admin agent of the company, or the provider's admin): checked when the link is opened and
again when it is accepted, whatever ended the sender's right; a reseller's customer is
active only while its reseller is. Deactivating a reseller (with its customers'
invitations) or a direct customer ends its open invitations for good (accounts/team.py),
so reactivating it within their 7 days does not bring them back.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from accounts import audit, emails, links, passwords
from accounts.models import CompanyRole, Customer, Reseller, Role, User
from accounts.services import EmailTaken, InvalidEmail
from accounts.sign_in import normalise, user_by_email
from accounts.team import (
    Company,
    NotAllowed,
    check_admin_agent,
    end_invitation,
    may_grant_admin_agent,
    may_manage,
)
from accounts.throttle import Store, allowance_wait
from persistence import db

Mail = Callable[[str, str, str], None]  # (to, subject, body): adds an outbox email


def company_invited_to(row: links.AccountLink) -> Company | None:
    """The company an invitation is for (None if it no longer exists)."""
    data = row.data
    if data.get("reseller_id"):
        reseller = db.session.get(Reseller, data["reseller_id"])
        return Company(reseller=reseller) if reseller is not None else None
    customer = db.session.get(Customer, data.get("customer_id") or 0)
    return Company(customer=customer) if customer is not None else None


def open_invitation_for(actor: User, invitation_id: int,
                        now: datetime) -> links.AccountLink | None:
    """An open invitation the actor may revoke, else None (the page answers 404 either way,
    so ids of other companies' invitations tell nothing)."""
    row = db.session.get(links.AccountLink, invitation_id)
    if row is None or row.purpose != links.Purpose.INVITATION or not row.live(now):
        return None
    company = company_invited_to(row)
    return row if company is not None and may_manage(actor, company) else None


def revoke(actor: User, row: links.AccountLink, now: datetime) -> None:
    """End an open invitation at once, audited (commits once); LinkInvalid if it was
    accepted (or revoked) a moment ago."""
    end_invitation(row, actor, now, f"invited by {_inviter(row)}")
    db.session.commit()


def _inviter(row: links.AccountLink) -> str:
    return row.created_by.email if row.created_by is not None else "nobody known"


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
    return allowance_wait(store, "invite:address:" + emails.mailbox(email), limit, 24 * 3600,
                          now)


def invite(actor: User, company: Company, *, email: str, name: str, company_role: str,
           admin_agent: bool, now: datetime, mail: Mail,
           accept_url: Callable[[str], str]) -> links.AccountLink:
    """Email an invitation to join the company (commits once). InvalidEmail for an address
    too long, NotAllowed for an actor who may not (AdminAgentNotHeld: may not make an
    admin agent).

    An address that has an account anywhere is invited all the same as far as the inviter
    can tell (the same answer, an open invitation listed), but its holder is mailed a note
    instead of a link: refusing it told any company admin, and anyone can become one by
    signing up, which addresses have accounts (the provider's admins' too). Its link could
    never be used anyway: accepting refuses a taken address."""
    if not may_manage(actor, company):
        raise NotAllowed("Only the provider's admins and this company's admins invite its "
                         "users.")
    check_admin_agent(actor, company, False, admin_agent)
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


def live(secret: str, now: datetime) -> links.AccountLink:
    """The open invitation with this secret, while its sender may still invite for its
    company and the company is active; LinkInvalid otherwise."""
    row = links.live(links.Purpose.INVITATION, secret, now)
    if not still_stands(row):
        raise links.LinkInvalid("Whoever sent this invitation can no longer invite for "
                                "this company.")
    return row


def still_stands(row: links.AccountLink) -> bool:
    """Its sender is active and may still manage the company's users (and grant admin agent,
    if the invitation makes one), and the company is active (the provider deactivates a
    reseller or a direct customer)."""
    company, sender = company_invited_to(row), row.created_by
    if company is None or sender is None or not sender.is_active:
        return False
    if not company.active:
        return False
    if row.data.get("admin_agent") and not may_grant_admin_agent(sender, company):
        return False
    return may_manage(sender, company)


def accept(secret: str, password: str, now: datetime) -> User:
    """Create the invited user with the password it chose (commits once). LinkInvalid
    (its sender's right to invite ended too), WeakPassword, or EmailTaken when the address
    got an account meanwhile."""
    row = live(secret, now)
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
