"""Two-factor sign-in: TOTP codes (RFC 6238), recovery codes and trusted browsers.

Policy: provider admins and admin-agent users must have a second factor (they enrol at
their next sign-in); anybody else may. Enrolling takes a code from the app, so a mistyped
secret is caught before it locks anyone out, and yields ten recovery codes shown once;
only their sha256 is kept (each is 80 random bits, which no fast hash makes guessable),
and each works once. A TOTP code is accepted for the 30-second step before, at and after
now (clocks drift), and never twice: the last accepted step is stored, so a code seen over
a shoulder is spent (ASVS 2.8.4), by one conditional UPDATE, so two requests bringing it at
once cannot both pass, as a recovery code is spent. The secret is encrypted at rest with
the storefront's Fernet key.

A browser may be trusted for MFA_DEVICE_DAYS after a code: its cookie carries
"<id>:<secret>" (signed by the web layer) and counts only while its row is live, so
"sign out everywhere", a password change or reset, and turning MFA off end every trusted
browser at once. Every change to the second factor is mailed to its user
(accounts/notices.py), and enrolling from a signed-in session takes the current password
(storefront/mfa_views.py), so a stolen session cannot enrol its own authenticator unseen.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

import pyotp
from cryptography.fernet import MultiFernet
from sqlalchemy import delete, select, update
from sqlalchemy.orm.attributes import set_committed_value

from accounts import audit, notices
from accounts.models import User
from persistence import as_utc, db, row_id
from persistence.locks import locked

STEP_SECONDS = 30
RECOVERY_CODES = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


class WrongCode(ValueError):
    """The code is not the app's current one, nor an unused recovery code."""


class NewCodeWrong(WrongCode):
    """Replacing the authenticator: the code typed is not the new app's."""


class MfaRequired(ValueError):
    """The second factor cannot be turned off for this user (S4/S7 and provider admins)."""


class RecoveryCode(db.Model):
    __tablename__ = "mfa_recovery_codes"

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, index=True)
    code_hash = db.Column(db.String(64), nullable=False)
    used_at = db.Column(db.DateTime(timezone=True))


class TrustedDevice(db.Model):
    __tablename__ = "mfa_trusted_devices"

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, index=True)
    secret_hash = db.Column(db.String(64), nullable=False)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False)
    expires_at = db.Column(db.DateTime(timezone=True), nullable=False)
    revoked_at = db.Column(db.DateTime(timezone=True))


def required(user: User) -> bool:
    """Whether this user must have a second factor (the keys to every tenant, S4/S7)."""
    return user.is_provider_admin or bool(user.admin_agent)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str, issuer: str) -> str:
    """The otpauth:// URI an authenticator app reads (from the QR code, or typed)."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer)


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step (before, at or after now) whose code this is, if any."""
    code = "".join((code or "").split())
    if len(code) != 6 or not code.isdigit():
        return None
    totp, current = pyotp.TOTP(secret), int(now.timestamp()) // STEP_SECONDS
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def enrol(user: User, secret: str, code: str, now: datetime, cipher: MultiFernet,
          mail: notices.Mail) -> list[str]:
    """Turn on the second factor with this secret once a code from the app matches it, and
    tell the user; the new recovery codes, which exist only in this answer (commits once).
    WrongCode."""
    step = _matching_step(secret, code, now)
    if step is None:
        raise WrongCode("That code does not match. Check the app shows the account just "
                        "added and type its current six digits.")
    user.totp_secret = cipher.encrypt(secret.encode()).decode()
    user.mfa_enabled_at, user.totp_last_step = now, step
    codes = _new_recovery_codes(user)
    audit.record(audit.Kind.MFA_ENROLLED, user=user, actor=user, now=now)
    notices.tell(mail, user, notices.Change.MFA_ON, now)
    db.session.commit()
    return codes


def replace(user: User, secret: str, new_code: str, current_code: str, now: datetime,
            cipher: MultiFernet, mail: notices.Mail) -> list[str]:
    """Move the second factor to a new authenticator (a lost or replaced phone), proven with
    a current code or an unused recovery code: the new secret once a code from the new app
    matches it, new recovery codes (returned, shown once) and no trusted browser; the user
    is told. NewCodeWrong or WrongCode; the new code is checked first, so a recovery code is
    not spent on a mistyped new one."""
    step = _matching_step(secret, new_code, now)
    if step is None:
        raise NewCodeWrong("That code does not match the new key. Check the app shows the "
                           "account just added and type its current six digits.")
    verify(user, current_code, now, cipher)
    user.totp_secret = cipher.encrypt(secret.encode()).decode()
    user.mfa_enabled_at, user.totp_last_step = now, step
    codes = _new_recovery_codes(user)
    forget_devices(user.id, now)
    audit.record(audit.Kind.MFA_ENROLLED, user=user, actor=user, now=now,
                 detail="replaced authenticator")
    notices.tell(mail, user, notices.Change.NEW_AUTHENTICATOR, now,
                 "The app you had before and your old recovery codes no longer work.")
    db.session.commit()
    return codes


def _new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes; the caller commits. The user's row is locked first
    (persistence.locks): a racing replacement's delete did not see this one's new codes on
    PostgreSQL, and both sets worked."""
    locked(select(User.id).where(User.id == user.id).with_for_update())
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = ["-".join("".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(4))
                      for _ in range(4)) for _ in range(RECOVERY_CODES)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_digest(code))
                       for code in codes)
    return codes


def regenerate_codes(user: User, now: datetime, mail: notices.Mail) -> list[str]:
    """New recovery codes; the old ones stop working and the user is told (commits
    once)."""
    codes = _new_recovery_codes(user)
    audit.record(audit.Kind.MFA_ENROLLED, user=user, actor=user, now=now,
                 detail="new recovery codes")
    notices.tell(mail, user, notices.Change.NEW_RECOVERY_CODES, now,
                 "The codes you had before no longer work.")
    db.session.commit()
    return codes


def verify(user: User, code: str, now: datetime, cipher: MultiFernet) -> str:
    """Check a second factor: the app's code ("totp") or an unused recovery code
    ("recovery code", then spent). Commits; WrongCode otherwise."""
    secret = cipher.decrypt(user.totp_secret.encode()).decode() if user.totp_secret else ""
    step = _matching_step(secret, code, now) if secret else None
    if step is not None and _spend_step(user, step):
        db.session.commit()
        return "totp"
    if _spend_recovery_code(user, code, now):
        audit.record(audit.Kind.RECOVERY_CODE_USED, user=user, actor=user, now=now,
                     detail=f"{remaining_codes(user)} left")
        db.session.commit()
        return "recovery code"
    raise WrongCode("That code does not work. Type the six digits the app shows now, or "
                    "one of your unused recovery codes.")


def _spend_step(user: User, step: int) -> bool:
    """Record the step as the last one used unless it, or a later one, was (ASVS 2.8.4):
    the check is the UPDATE's own condition, which a racing request's commit decides on
    both databases (a read first let both requests pass it)."""
    spent = db.session.execute(update(User).where(
        User.id == user.id, User.totp_last_step < step).values(totp_last_step=step)
        .execution_options(synchronize_session=False))
    if spent.rowcount != 1:
        return False
    set_committed_value(user, "totp_last_step", step)
    return True


def _spend_recovery_code(user: User, code: str, now: datetime) -> bool:
    typed = "".join((code or "").lower().split()).replace("-", "")
    if len(typed) != 16:
        return False
    normalised = "-".join(typed[i:i + 4] for i in range(0, 16, 4))
    spent = db.session.execute(update(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _digest(normalised),
        RecoveryCode.used_at.is_(None)).values(used_at=now)
        .execution_options(synchronize_session=False))
    return spent.rowcount == 1


def remaining_codes(user: User) -> int:
    return len(db.session.scalars(select(RecoveryCode.id).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))).all())


def disable(user: User, actor: User, now: datetime, mail: notices.Mail) -> None:
    """Turn the second factor off (MfaRequired for those who must keep it); its recovery
    codes and trusted browsers go too, and the user is told (commits once)."""
    if required(user):
        raise MfaRequired("Provider admins and admin agents must keep two-factor sign-in.")
    remove(user, now)
    audit.record(audit.Kind.MFA_DISABLED, user=user, actor=actor, now=now)
    notices.tell(mail, user, notices.Change.MFA_OFF, now,
                 "Signing in now takes only your password.")
    db.session.commit()


def remove(user: User, now: datetime) -> None:
    """Take the second factor away: its secret, recovery codes and trusted browsers; the
    caller logs it, tells the user and commits."""
    user.totp_secret, user.mfa_enabled_at, user.totp_last_step = None, None, 0
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    forget_devices(user.id, now)


def trust_device(user: User, now: datetime, days: int) -> str:
    """Trust this browser for `days`; the cookie token "<id>:<secret>" (commits)."""
    secret = secrets.token_urlsafe(32)
    row = TrustedDevice(user_id=user.id, secret_hash=_digest(secret), created_at=now,
                        expires_at=now + timedelta(days=days))
    db.session.add(row)
    db.session.commit()
    return f"{row.id}:{secret}"


def device_trusted(user: User, token: str | None, now: datetime) -> bool:
    """Whether a cookie token names a live trusted browser of this user."""
    raw_id, colon, secret = (token or "").partition(":")
    device_id = row_id(raw_id)
    if not colon or device_id is None:
        return False
    row = db.session.get(TrustedDevice, device_id)
    return (row is not None and row.user_id == user.id and row.revoked_at is None
            and now < as_utc(row.expires_at)
            and hmac.compare_digest(row.secret_hash, _digest(secret)))


def forget_devices(user_id: int, now: datetime) -> None:
    """Stop trusting every browser of the user; the caller commits."""
    db.session.execute(update(TrustedDevice).where(
        TrustedDevice.user_id == user_id, TrustedDevice.revoked_at.is_(None),
    ).values(revoked_at=now).execution_options(synchronize_session=False))
