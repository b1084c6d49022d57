"""The accounts audit log: who signed in or failed to, who was invited, whose role, MFA or
password changed, which API tokens were made or revoked, who closed which order.

Policy: an event is appended in the same transaction as the change it records (the
caller commits), so a change is never without its event; rows are never edited. Each
event names the company of the user it is about, so a reseller's admins read the events
of their own users only and the provider's admins read them all. A failed sign-in for an
address nobody uses names no user and no company: only the provider's admins see it, and
it keeps a digest of the address, never the address typed (it may be a password pasted
into the wrong box).
"""

from __future__ import annotations

import enum
import hashlib
from datetime import datetime

from sqlalchemy import select

from accounts.models import Customer, Reseller, User
from persistence import db, row_id, utcnow
from persistence.search import contains


class Kind(enum.StrEnum):
    SIGN_IN = "sign_in"
    SIGN_IN_FAILED = "sign_in_failed"
    INVITED = "invited"
    INVITATION_ACCEPTED = "invitation_accepted"
    INVITATION_REVOKED = "invitation_revoked"
    ROLE_CHANGED = "role_changed"
    ACTIVATED = "activated"
    DEACTIVATED = "deactivated"
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 -- a name, no secret
    PASSWORD_RESET = "password_reset"  # noqa: S105 -- a name, no secret
    EMAIL_CHANGE_ASKED = "email_change_asked"  # the link went out; EMAIL_CHANGED once opened
    EMAIL_CHANGED = "email_changed"
    SIGNED_OUT_EVERYWHERE = "signed_out_everywhere"
    MFA_ENROLLED = "mfa_enrolled"
    MFA_DISABLED = "mfa_disabled"
    RECOVERY_CODE_USED = "recovery_code_used"
    TOKEN_CREATED = "token_created"  # noqa: S105 -- a name, no secret
    TOKEN_REVOKED = "token_revoked"  # noqa: S105 -- a name, no secret
    ORDER_CLOSED = "order_closed"  # a provider admin closed an order's unprovisioned lines


class AuditEvent(db.Model):
    __tablename__ = "audit_events"

    id = db.Column(db.Integer, primary_key=True)
    at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow, index=True)
    kind = db.Column(db.String(30), nullable=False, index=True)
    actor_id = db.Column(db.Integer, db.ForeignKey("users.id"))  # who did it, if anyone
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), index=True)  # whom it is about
    reseller_id = db.Column(db.Integer, db.ForeignKey("resellers.id"), index=True)
    customer_id = db.Column(db.Integer, db.ForeignKey("customers.id"), index=True)
    email = db.Column(db.String(254), nullable=False, default="")  # the subject's, then
    detail = db.Column(db.String(300), nullable=False, default="")
    address = db.Column(db.String(45), nullable=False, default="")

    actor = db.relationship("User", foreign_keys=[actor_id])
    user = db.relationship("User", foreign_keys=[user_id])


def record(kind: Kind, *, user=None, actor=None, detail: str = "", address: str = "",
           email: str = "", reseller_id: int | None = None, customer_id: int | None = None,
           now: datetime | None = None) -> AuditEvent:
    """Append an event about `user` (its company taken from it); the caller commits."""
    event = AuditEvent(
        at=now or utcnow(), kind=kind, actor=actor, user=user, detail=detail[:300],
        address=(address or "")[:45], email=(user.email if user is not None else email)[:254],
        reseller_id=user.reseller_id if user is not None else reseller_id,
        customer_id=user.customer_id if user is not None else customer_id)
    db.session.add(event)
    return event


def unknown_email(typed: str) -> str:
    """How a failed sign-in for an address nobody uses is written: a short digest."""
    return "unknown:" + hashlib.sha256(typed.strip().lower().encode()).hexdigest()[:12]


def visible_events(viewer):
    """A select() of the events this user may read: all for the provider's admins; a
    company admin's own company's; none for anybody else."""
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if viewer.is_provider_admin:
        return query
    if not viewer.is_company_admin:
        return query.where(False)
    if viewer.reseller_id is not None:
        return query.where(AuditEvent.reseller_id == viewer.reseller_id)
    return query.where(AuditEvent.customer_id == viewer.customer_id)


PROVIDER = "provider"  # the company filter's value for the provider's own people


def company_value(reseller_id: int | None = None, customer_id: int | None = None) -> str:
    """A company as the audit log's company filter names it."""
    if reseller_id is not None:
        return f"reseller:{reseller_id}"
    return f"customer:{customer_id}" if customer_id is not None else PROVIDER


def filtered(query, *, kind: str = "", email: str = "", start: datetime | None = None,
             end: datetime | None = None, company: str = ""):
    """Narrow a visible_events() query by kind, the subject's email (contains), time and
    company (company_value; an unknown value narrows nothing)."""
    query = _of_company(query, company)
    if kind:
        query = query.where(AuditEvent.kind == kind)
    if email:
        query = query.where(contains(AuditEvent.email, email))
    if start is not None:
        query = query.where(AuditEvent.at >= start)
    if end is not None:
        query = query.where(AuditEvent.at < end)
    return query


def _of_company(query, company: str):
    if company == PROVIDER:
        return query.where(AuditEvent.reseller_id.is_(None), AuditEvent.customer_id.is_(None))
    which, _, raw = company.partition(":")
    number = row_id(raw)
    if number is None or which not in ("reseller", "customer"):
        return query  # an unknown value filters on nothing
    column = AuditEvent.reseller_id if which == "reseller" else AuditEvent.customer_id
    return query.where(column == number)


def companies() -> list[tuple[str, str]]:
    """The provider's choice of whose events to read, as (company_value, label): itself,
    each reseller, each customer with users of its own (direct customers, and end customers
    whose people sign in)."""
    resellers = db.session.scalars(select(Reseller).order_by(Reseller.company_name))
    customers = db.session.scalars(select(Customer).where(
        select(User.id).where(User.customer_id == Customer.id).exists(),
    ).order_by(Customer.company_name))
    return [(PROVIDER, "The provider's own users"),
            *((company_value(reseller_id=r.id), r.company_name) for r in resellers),
            *((company_value(customer_id=c.id), f"{c.company_name} ("
               + (f"customer of {c.reseller.company_name})" if c.reseller else
                  "direct customer)")) for c in customers)]
