"""Account services: each takes plain data, changes the database and commits once."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from accounts import api_tokens, audit, emails, links, mfa, notices, passwords, sessions, team
from accounts.models import (
    ApiToken,
    Customer,
    CustomerQualification,
    MpaStatus,
    Reseller,
    Role,
    User,
    UserSession,
)
from persistence import db, utcnow

COMPANY_FIELDS = (
    "company_name", "contact_first_name", "contact_last_name", "email", "phone",
    "address_line1", "address_line2", "city", "region", "postal_code", "country", "tax_id",
)
TENANT_FIELDS = ("tenant_mode", "domain_prefix", "tenant_id", "tenant_domain")
# Not its standing (K9: mpa_status, listed, tenant_id): that is Partner Center's answer,
# recorded only by asking it (checkout/fetch.py refresh_reseller_standing).
RESELLER_FIELDS = (
    "company_name", "mpn_id", "contact_name", "contact_email", "contact_phone", "active",
)


def _clean(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def apply_fields(obj: object, data: Mapping[str, Any], fields: tuple[str, ...]) -> None:
    """Copy the named fields from form data, trimming stray whitespace users paste in."""
    for name in fields:
        if name in data:
            setattr(obj, name, _clean(data[name]) if data[name] is not None else "")
    if isinstance(obj, Customer):
        obj.country = (obj.country or "").upper()
        obj.postal_code = (obj.postal_code or "").upper()


class EmailTaken(ValueError):
    """An account with this email exists already (emails are unique, stored lower-case)."""


class MpnTaken(ValueError):
    """Another reseller has this MPN ID (one MPN ID names one reseller)."""


class InvalidEmail(ValueError):
    """An email address the account cannot have (too long: see accounts/emails.py)."""


class WrongPassword(ValueError):
    """The current password given to confirm a change is not the user's."""


def new_user(email: str, password: str, role: Role, **extra: Any) -> User:
    """A user with this email and password, within the email limits and the password
    policy (the CLI's first admin, the demo). The provider's admins no longer type a
    user's password: they invite it (accounts/invitations.py)."""
    problem = emails.length_problem(email)
    if problem is not None:
        raise InvalidEmail(problem)
    passwords.check(password)
    user = User(email=email.strip().lower(), role=role, **extra)
    user.set_password(password)
    return user


def save_customer(
    customer: Customer, data: Mapping[str, Any], *, reseller_id: int | None
) -> Customer:
    """Create or update an end customer owned by reseller_id (None for a direct customer)."""
    if customer.id is None:
        customer.reseller_id = reseller_id
        db.session.add(customer)
    tenant_before = _tenant_named(customer)
    apply_fields(customer, data, COMPANY_FIELDS + TENANT_FIELDS)
    if _tenant_named(customer) != tenant_before:
        customer.forget_tenant_proof()  # K11: a proof is for one tenant; show the new one
    if "qualifications" in data and data["qualifications"] is not None:
        _set_qualifications(customer, set(data["qualifications"]))
    db.session.commit()
    return customer


def _tenant_named(customer: Customer) -> tuple[str, str, str]:
    """How the customer names its tenant (K11); ids and domains compare case-blind."""
    return (customer.tenant_mode or "", (customer.tenant_id or "").strip().lower(),
            (customer.tenant_domain or "").strip().lower())


def _set_qualifications(customer: Customer, segments: set[str]) -> None:
    """Admin approvals (K7): keep Partner Center-sourced rows, replace the admin ones."""
    keep = [q for q in customer.qualifications if q.source != "admin" or q.segment in segments]
    have = {q.segment for q in keep}
    keep += [CustomerQualification(segment=s, source="admin") for s in sorted(segments - have)]
    customer.qualifications = keep


def save_reseller(reseller: Reseller, data: Mapping[str, Any],
                  actor: User | None = None) -> Reseller:
    """Create or update a reseller; saved inactive, it loses every session and token, its
    end customers' users too, and deactivating it ends its and their open invitations
    (audited as the actor's, as are the deactivation and a reactivation). MpnTaken when
    another reseller has the MPN ID."""
    _check_mpn_free(_clean(data.get("mpn_id") or ""), reseller.id)
    if reseller.id is None:
        db.session.add(reseller)
    mpn_before, was_active, now = reseller.mpn_id, reseller.active, utcnow()
    apply_fields(reseller, data, RESELLER_FIELDS)
    if reseller.mpn_id != mpn_before:
        _forget_standing(reseller)
    if reseller.id is not None and not reseller.active:
        _end_access_through(reseller, now)
        if was_active:  # not those the provider sent it since: reactivating lets them work
            team.end_invitations_through(reseller, actor, now,
                                         f"{reseller.company_name} was deactivated")
    if reseller.id is not None and bool(was_active) != bool(reseller.active):
        audit.record(audit.Kind.ACTIVATED if reseller.active else audit.Kind.DEACTIVATED,
                     actor=actor, reseller_id=reseller.id, now=now,
                     detail=f"{reseller.company_name} " + (
                         "reactivated" if reseller.active else
                         "deactivated: its users and its customers' users shut out"))
    try:
        db.session.commit()
    except IntegrityError:  # another admin saved the same MPN ID since the check
        db.session.rollback()
        raise MpnTaken("Another reseller has just been saved with this MPN ID; each "
                       "reseller has its own.") from None
    return reseller


def set_customer_active(customer: Customer, on: bool, actor: User, now) -> int:
    """Reactivate or deactivate a direct customer, as the provider does a reseller (commits
    once): deactivated, its users are shut out (User.is_active) and their sessions, open
    reset and email-change links and API tokens end, with its open invitations, all for
    good, so reactivating it brings none back. Partner Center is not asked: its
    subscriptions stay as they are. Returns how many invitations ended. NotAllowed for a
    reseller's customer, which its reseller answers for."""
    if not customer.is_direct:
        raise team.NotAllowed(not_direct(customer))
    if bool(customer.active) == on:
        return 0
    customer.active, ended = on, 0
    if not on:
        its_users = select(User.id).where(User.customer_id == customer.id)
        _end_access(its_users, ApiToken.customer_id == customer.id, now)
        ended = team.end_invitations_to(team.Company(customer=customer), actor, now,
                                        f"{customer.company_name} was deactivated")
    audit.record(audit.Kind.ACTIVATED if on else audit.Kind.DEACTIVATED, actor=actor,
                 customer_id=customer.id, now=now,
                 detail=f"{customer.company_name} "
                        f"{'reactivated' if on else 'deactivated: its users shut out'}")
    db.session.commit()
    return ended


def not_direct(customer: Customer) -> str:
    """Why a reseller's customer is not deactivated on its own, and what to do instead."""
    reseller = customer.reseller.company_name
    return (f"{customer.company_name} is a customer of {reseller}: only a direct customer "
            f"is deactivated on its own. Deactivate {reseller} to stop its orders for "
            f"{customer.company_name}, or deactivate {customer.company_name}'s own users one "
            "by one.")


def _forget_standing(reseller: Reseller) -> None:
    """K9: what Microsoft said about the MPA and the indirect-reseller listing was said of
    the old MPN ID; the next order (or a check) asks Partner Center about the new one."""
    reseller.mpa_status, reseller.mpa_checked_at = MpaStatus.UNKNOWN, None
    reseller.listed, reseller.tenant_id = None, ""


def _check_mpn_free(mpn_id: str, reseller_id: int | None) -> None:
    other = db.session.scalar(select(Reseller).where(
        Reseller.mpn_id == mpn_id, Reseller.id != (reseller_id or 0))) if mpn_id else None
    if other is not None:
        raise MpnTaken(f"{other.company_name} already has this MPN ID; each reseller has "
                       "its own. Check the number in Partner Center.")


def _end_access_through(reseller: Reseller, now) -> None:
    """End the access of the reseller's users and of its end customers' users, who see
    its data as much as its own do (User.is_active shuts both out); the caller commits."""
    its_customers = select(Customer.id).where(Customer.reseller_id == reseller.id)
    its_users = select(User.id).where(or_(User.reseller_id == reseller.id,
                                          User.customer_id.in_(its_customers)))
    _end_access(its_users, or_(ApiToken.reseller_id == reseller.id,
                               ApiToken.customer_id.in_(its_customers)), now)


def _end_access(user_ids, its_tokens, now) -> None:
    """Revoke the users' sessions, open reset and email-change links, and the tokens named
    (deactivation); the caller commits."""
    sessions.end_sessions(UserSession.user_id.in_(user_ids), now)
    links.end_own(user_ids, now)
    api_tokens.revoke_where(its_tokens, now)


def change_password(user: User, current: str, new: str, *, keep: UserSession | None,
                    revoke_tokens: bool, mail: notices.Mail) -> int:
    """Set a new password once the current one is confirmed (WrongPassword otherwise) and
    the policy accepts it (WeakPassword); every other session of the user ends, every
    browser trusted for two-factor sign-in and every open reset or email-change link, so
    a stolen cookie, or a link its thief asked for, does not outlive the password change.
    Asked to, the API tokens the user made are revoked in the same commit (ASVS 3.3.3), as
    a reset does; returns how many were. The user is told by email (ASVS 2.2.3)."""
    if not user.check_password(current):
        raise WrongPassword("This is not your current password.")
    passwords.check(new)
    user.set_password(new)
    now = utcnow()
    sessions.end_sessions(UserSession.user_id == user.id, now, keep=keep)
    mfa.forget_devices(user.id, now)  # a trusted browser skips a code: trust it afresh
    links.end_own([user.id], now)
    revoked = api_tokens.revoke_where(ApiToken.user_id == user.id, now) if revoke_tokens else 0
    audit.record(audit.Kind.PASSWORD_CHANGED, user=user, actor=user, now=now,
                 detail=f"{revoked} API tokens revoked" if revoked else "")
    notices.tell(mail, user, notices.Change.PASSWORD_CHANGED, now,
                 "Every other browser signed in as you was signed out.")
    db.session.commit()
    return revoked


def reset_two_factor(user: User, actor: User, now, mail: notices.Mail) -> None:
    """A provider admin takes away the second factor of a user who lost its authenticator
    and its recovery codes: every session of the user ends too, so it signs in afresh and,
    if its role requires one, enrols a new authenticator at once. Logged, and the user is
    told who did it (commits once)."""
    mfa.remove(user, now)
    sessions.end_sessions(UserSession.user_id == user.id, now)
    audit.record(audit.Kind.MFA_DISABLED, user=user, actor=actor, now=now,
                 detail="reset by a provider admin")
    notices.tell(mail, user, notices.Change.MFA_RESET, now, (
        "Your authenticator app and recovery codes no longer work, and every browser signed "
        "in as you was signed out. Sign in with your password to set up a new "
        "authenticator."), by=actor)
    db.session.commit()


def create_provider_admin(email: str, password: str, name: str) -> User:
    """Create a provider administrator (the CLI's first account); EmailTaken if it exists."""
    if db.session.scalar(select(User).where(User.email == email.strip().lower())):
        raise EmailTaken(f"A user with email {email} already exists.")
    user = new_user(email, password, Role.PROVIDER_ADMIN, name=name, admin_agent=True)
    db.session.add(user)
    db.session.commit()
    return user


def set_admin_agent(user: User, on: bool, actor: User | None = None) -> int:
    """Grant or withdraw the admin-agent permission (S4/S7: cancel, reveal keys); withdrawn,
    the open invitations the user sent making an admin agent end in the same commit.
    Returns how many ended."""
    ended = 0
    if bool(user.admin_agent) != on:
        audit.record(audit.Kind.ROLE_CHANGED, user=user, actor=actor,
                     detail="admin agent granted" if on else "admin agent withdrawn")
        user.admin_agent = on
        ended = team.end_admin_agent_invitations(user, actor, utcnow())
    db.session.commit()
    return ended


def record_sign_in(user: User, address: str = "", detail: str = "") -> None:
    """Remember when the user last signed in (shown to administrators), in the audit log
    too."""
    user.last_login_at = utcnow()
    audit.record(audit.Kind.SIGN_IN, user=user, actor=user, address=address, detail=detail,
                 now=user.last_login_at)
    db.session.commit()


def record_failed_sign_in(typed_email: str, user: User | None, address: str,
                          detail: str = "wrong password") -> None:
    """Log a refused sign-in; for an address nobody uses, only a digest of what was typed
    (accounts/audit.py). Commits."""
    audit.record(audit.Kind.SIGN_IN_FAILED, user=user, address=address, detail=detail,
                 email="" if user is not None else audit.unknown_email(typed_email))
    db.session.commit()
