"""Single-use emailed links: invitations, password resets and email-address changes.

Policy: a link carries a 256-bit random secret; only its sha256 is stored, so a copy of
the table opens nothing. A link works once and only until it expires (an invitation for
7 days, a password reset for 1 hour, an email change for 24 hours); using it marks it
spent in one conditional UPDATE, so two browsers racing on one link cannot both succeed.
A new link of the same purpose for the same user replaces the older ones; a new invitation
replaces the older ones to the same address from the same company only, so one company's
invitation never ends another's (anyone can sign a company up and invite any address).
Taking an account back ends what a thief could have asked for with it: a password change
or reset, signing out everywhere, deactivation and a completed email change end every
open password-reset and email-change link of the account (ASVS 3.3.3).
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import Select, delete, or_, select, update

from persistence import as_utc, db, utcnow


class Purpose(enum.StrEnum):
    INVITATION = "invitation"
    PASSWORD_RESET = "password_reset"  # noqa: S105 -- a name, no secret
    EMAIL_CHANGE = "email_change"


# The links a signed-in user (or whoever holds its session or password) asks for itself.
OWN_ACCOUNT = (Purpose.PASSWORD_RESET, Purpose.EMAIL_CHANGE)

LIFETIMES = {Purpose.INVITATION: timedelta(days=7),
             Purpose.PASSWORD_RESET: timedelta(hours=1),
             Purpose.EMAIL_CHANGE: timedelta(hours=24)}


class AccountLink(db.Model):
    """One emailed link; `data` holds what its use needs (an invitation's company and role,
    an email change's new address)."""

    __tablename__ = "account_links"

    id = db.Column(db.Integer, primary_key=True)
    purpose = db.Column(db.String(20), nullable=False)
    token_hash = db.Column(db.String(64), nullable=False, unique=True)  # sha256 of the secret
    email = db.Column(db.String(254), nullable=False, index=True)  # where it was sent
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), index=True)  # None: invitation
    created_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    data = db.Column(db.JSON, nullable=False, default=dict)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    expires_at = db.Column(db.DateTime(timezone=True), nullable=False, index=True)
    used_at = db.Column(db.DateTime(timezone=True))

    user = db.relationship("User", foreign_keys=[user_id])
    created_by = db.relationship("User", foreign_keys=[created_by_id])

    def live(self, now: datetime) -> bool:
        return self.used_at is None and now < as_utc(self.expires_at)


class LinkInvalid(ValueError):
    """The link is unknown, used or expired."""


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue(purpose: Purpose, email: str, now: datetime, *, user=None, created_by=None,
          data: dict | None = None) -> tuple[AccountLink, str]:
    """A new link and its secret (which exists only here); the older unused links it
    replaces stop working (see `replaced`). The caller commits."""
    data = data or {}
    for older in replaced(purpose, email, user, data):
        older.used_at = now
    secret = secrets.token_urlsafe(32)
    row = AccountLink(purpose=purpose, token_hash=digest(secret), email=email, user=user,
                      created_by=created_by, data=data, created_at=now,
                      expires_at=now + LIFETIMES[purpose])
    db.session.add(row)
    return row, secret


# What else a new link must share with an older one to replace it: an invitation, its
# company, which is named in its data.
SAME_DATA = {Purpose.INVITATION: ("reseller_id", "customer_id")}


def replaced(purpose: Purpose, email: str, user, data: dict) -> list[AccountLink]:
    """The unused links of this purpose a new one replaces: the user's (or, without one,
    the address's) that share its SAME_DATA."""
    same = (AccountLink.user_id == user.id) if user is not None else \
        (AccountLink.email == email)
    older = db.session.scalars(select(AccountLink).where(
        AccountLink.purpose == purpose, same, AccountLink.used_at.is_(None)))
    keys = SAME_DATA.get(purpose, ())
    return [row for row in older if all(row.data.get(k) == data.get(k) for k in keys)]


def live(purpose: Purpose, secret: str, now: datetime) -> AccountLink:
    """The live link with this secret; LinkInvalid if unknown, used or expired."""
    row = db.session.scalar(select(AccountLink).where(
        AccountLink.purpose == purpose, AccountLink.token_hash == digest(secret or "")))
    if row is None or not row.live(now):
        raise LinkInvalid("This link is unknown, already used, or expired.")
    return row


def claim(row: AccountLink, now: datetime) -> None:
    """Mark the link used, unless a concurrent use did so first (LinkInvalid then); the
    caller commits."""
    claimed = db.session.execute(update(AccountLink).where(
        AccountLink.id == row.id, AccountLink.used_at.is_(None),
    ).values(used_at=now).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise LinkInvalid("This link was used a moment ago.")
    row.used_at = now


def end_own(user_ids: Iterable[int] | Select, now: datetime) -> None:
    """End every open password-reset and email-change link of these users (ids, or a
    statement selecting them): whoever asked for one may be the thief being shut out.
    The caller commits."""
    db.session.execute(update(AccountLink).where(
        AccountLink.purpose.in_(OWN_ACCOUNT), AccountLink.user_id.in_(user_ids),
        AccountLink.used_at.is_(None),
    ).values(used_at=now).execution_options(synchronize_session=False))


def pending(purpose: Purpose, now: datetime, *where) -> list[AccountLink]:
    """Live links of a purpose (the users page lists open invitations), newest first."""
    return list(db.session.scalars(select(AccountLink).where(
        AccountLink.purpose == purpose, AccountLink.used_at.is_(None),
        AccountLink.expires_at > now, *where).order_by(AccountLink.id.desc())))


def purge(now: datetime) -> int:
    """Delete used and expired links (a week after their end, so the audit has them); the
    caller commits."""
    cutoff = now - timedelta(days=7)
    return db.session.execute(delete(AccountLink).where(or_(
        AccountLink.expires_at <= cutoff, AccountLink.used_at <= cutoff))).rowcount
