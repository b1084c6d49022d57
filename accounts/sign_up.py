"""Direct-customer sign-up that does not tell who has an account.

Sign-up answers "check your email" whatever the address. For a new address it keeps the
company and the chosen password's hash as a pending request and emails a link (a 256-bit
secret, stored hashed) that works once, for 24 hours. For an address that has an account
it emails that address a note instead ("someone tried to sign up with your address"). Both
paths hash the password, so neither answers sooner.

The link alone does not create the account: its holder also types the password chosen at
sign-up. So a stranger who signs up with someone else's address cannot have that person
confirm an account whose password the stranger knows, and a mail scanner that opens the
link confirms nothing. Pending requests are not users: several may wait for one address,
the first confirmed wins, and none stops the address's owner from signing up.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from accounts import emails, passwords
from accounts.models import CompanyRole, Customer, Role, User, password_hash_method
from accounts.services import (
    COMPANY_FIELDS,
    TENANT_FIELDS,
    EmailTaken,
    InvalidEmail,
    apply_fields,
)
from accounts.sign_in import normalise, user_by_email
from accounts.throttle import Store, allowance_wait
from persistence import as_utc, db, utcnow

LINK_LIFETIME = timedelta(hours=24)
Mail = Callable[[str, str, str], None]  # (to, subject, body): adds an outbox email


class SignUpRequest(db.Model):
    """A sign-up waiting for its emailed link; its data becomes the company and user."""

    __tablename__ = "sign_up_requests"

    id = db.Column(db.Integer, primary_key=True)
    token_hash = db.Column(db.String(64), nullable=False, unique=True)  # sha256 of the link
    email = db.Column(db.String(254), nullable=False, index=True)
    data = db.Column(db.JSON, nullable=False)  # the company, tenant and user's name
    password_hash = db.Column(db.String(256), nullable=False)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    expires_at = db.Column(db.DateTime(timezone=True), nullable=False, index=True)
    confirmed_at = db.Column(db.DateTime(timezone=True))


class LinkInvalid(ValueError):
    """The link is unknown, used or expired."""


class WrongPassword(ValueError):
    """The password is not the one chosen at sign-up."""


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def request(data: Mapping[str, Any], now: datetime, mail: Mail,
            confirm_url: Callable[[str], str], sign_in_url: str) -> None:
    """Email a confirmation link, or a note to an address that has an account (commits).
    WeakPassword or InvalidEmail when the password policy or the email limits refuse."""
    passwords.check(data["password"])
    problem = emails.length_problem(data["user_email"])
    if problem is not None:
        raise InvalidEmail(problem)
    email = normalise(data["user_email"])
    # Hashed on both paths: an existing address must not answer sooner than a new one.
    password_hash = generate_password_hash(data["password"], method=password_hash_method())
    if user_by_email(email) is not None:
        mail(email, *_taken_email(sign_in_url))
    else:
        secret = secrets.token_urlsafe(32)
        db.session.add(SignUpRequest(
            token_hash=_digest(secret), email=email, password_hash=password_hash,
            data={name: data.get(name) for name in (*COMPANY_FIELDS, *TENANT_FIELDS, "name")},
            created_at=now, expires_at=now + LINK_LIFETIME))
        mail(email, *_confirm_email(data.get("company_name") or "", confirm_url(secret)))
    db.session.commit()


def _confirm_email(company: str, link: str) -> tuple[str, str]:
    return ("Confirm your company account", (
        f"Someone, we hope you, asked to create a company account for {company} with this "
        "email address. To finish, open this link within 24 hours and enter the password "
        f"you chose:\n\n{link}\n\nIf it was not you, ignore this email: no account is made."))


def _taken_email(sign_in_url: str) -> tuple[str, str]:
    return ("Someone tried to sign up with your address", (
        "Someone tried to create a new company account with this email address, which "
        f"already has an account. If it was you, sign in instead:\n\n{sign_in_url}\n\n"
        "If you forgot your password, ask your company's administrator or your provider. "
        "If it was not you, you can ignore this email: nothing has changed."))


def pending(secret: str, now: datetime) -> SignUpRequest:
    """The live request of this link; LinkInvalid if unknown, used or expired."""
    row = db.session.scalar(select(SignUpRequest).where(
        SignUpRequest.token_hash == _digest(secret or "")))
    if row is None or row.confirmed_at is not None or as_utc(row.expires_at) <= now:
        raise LinkInvalid("This link is unknown, used or expired.")
    return row


def confirm(secret: str, password: str, now: datetime) -> User:
    """Create the company and its first user (its admin, and an admin agent) from a
    pending request (commits once). LinkInvalid, WrongPassword, or EmailTaken when the
    address has an account by now (another request confirmed first)."""
    row = pending(secret, now)
    if not check_password_hash(row.password_hash, password):
        raise WrongPassword("That is not the password chosen at sign-up.")
    if not _claim(row, now):
        raise LinkInvalid("This link was used a moment ago.")
    if user_by_email(row.email) is not None:
        db.session.commit()  # the link is spent either way
        raise EmailTaken("This address has an account now; sign in instead.")
    customer = Customer(reseller_id=None)
    apply_fields(customer, row.data, COMPANY_FIELDS + TENANT_FIELDS)
    user = User(email=row.email, password_hash=row.password_hash, role=Role.CUSTOMER_USER,
                name=row.data.get("name") or "", customer=customer, admin_agent=True,
                company_role=CompanyRole.ADMIN)
    db.session.add_all([customer, user])
    try:
        db.session.commit()
    except IntegrityError:  # another request for the address was confirmed just now
        db.session.rollback()
        raise EmailTaken("This address has an account now; sign in instead.") from None
    return user


def _claim(row: SignUpRequest, now: datetime) -> bool:
    """Mark the request used, unless a concurrent confirmation did so first."""
    claimed = db.session.execute(update(SignUpRequest).where(
        SignUpRequest.id == row.id, SignUpRequest.confirmed_at.is_(None),
    ).values(confirmed_at=now).execution_options(synchronize_session=False))
    return claimed.rowcount == 1


def wait_before(store: Store, address: str, limit: int, window: int,
                now: datetime) -> int | None:
    """Count a sign-up from this client address; the seconds to wait when over the limit
    (each sign-up hashes a password and sends an email to any address typed)."""
    return allowance_wait(store, "sign-up:address:" + (address or "unknown"), limit, window,
                          now)


def mailbox_wait(store: Store, email: str, limit: int, now: datetime) -> int | None:
    """Count a sign-up to this mailbox against its daily allowance, from every client
    together; the seconds to wait when over it. The per-client limit alone let many
    clients mail one person at will. Counted alike whether the address has an account
    (its holder is mailed a note instead), so a refusal tells nothing of that."""
    return allowance_wait(store, "sign-up:mailbox:" + emails.mailbox(email), limit,
                          24 * 3600, now)


def purge(now: datetime) -> int:
    """Delete requests that are used or past their link's life (they hold a password
    hash); the caller commits."""
    return db.session.execute(delete(SignUpRequest).where(or_(
        SignUpRequest.expires_at <= now, SignUpRequest.confirmed_at.is_not(None)))).rowcount
