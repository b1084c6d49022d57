"""Password reset by email, without telling who has an account.

Policy: asking for a reset answers the same ("if the address has an account, a link is on
its way") whatever is typed; only an active account's address gets the link. The look-up,
the link and the email are a worker's (storefront/recovery_tasks.py, calling `request`)
for every address typed, so the request's work and time are the same whether or not the
address has an account. Requests are throttled per client address and per address typed,
since each may send an email. The link works once, for an hour (accounts/links.py), and a
new request replaces an older link. Setting the new password ends every session of the
account and every browser trusted for two-factor sign-in; the second factor itself stays,
so a reset mailbox alone does not sign anyone in to an account that has one. It ends the
account's open email-change links too, asked for maybe by whoever had the old password.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime

from accounts import api_tokens, audit, links, mfa, notices, passwords, sessions
from accounts.models import ApiToken, User, UserSession
from accounts.sign_in import normalise, user_by_email
from accounts.throttle import Store, seconds_until
from persistence import db

Mail = Callable[[str, str, str], None]  # (to, subject, body): adds an outbox email


def wait_before(store: Store, email: str, address: str, limit: int, window: int,
                now: datetime) -> int | None:
    """Count a reset request by client address and by address typed; the seconds to wait
    when either is over the limit."""
    typed = hashlib.sha256(normalise(email).encode()).hexdigest()[:40]
    waits = []
    for bucket in ("password-reset:address:" + (address or "unknown"),
                   "password-reset:account:" + typed):
        count = store.hit(bucket, window, now)
        if count.hits > limit:
            waits.append(seconds_until(count.resets_at, now))
    return max(waits) if waits else None


def request(email: str, now: datetime, mail: Mail, reset_url: Callable[[str], str]) -> None:
    """Email a reset link if the address belongs to an active account (commits)."""
    user = user_by_email(email)
    if user is None or not user.is_active:
        return
    _row, secret = links.issue(links.Purpose.PASSWORD_RESET, user.email, now, user=user)
    mail(user.email, "Reset your password", (
        "Someone, we hope you, asked to reset the password of your storefront account. "
        f"Open this link within 1 hour and choose a new password:\n\n{reset_url(secret)}\n\n"
        "The link works once. If it was not you, ignore this email: your password stays "
        "as it is."))
    db.session.commit()


def pending(secret: str, now: datetime) -> links.AccountLink:
    """The live reset link; LinkInvalid if unknown, used or expired."""
    return links.live(links.Purpose.PASSWORD_RESET, secret, now)


def reset(secret: str, password: str, now: datetime, mail: Mail) -> User:
    """Set the new password (WeakPassword, LinkInvalid); every session, API token and
    trusted browser and open email-change link of the account ends, since whoever had the
    old password may have made any of them; the user is told (commits once)."""
    row = pending(secret, now)
    passwords.check(password)
    links.claim(row, now)
    user = row.user
    user.set_password(password)
    sessions.end_sessions(UserSession.user_id == user.id, now)
    api_tokens.revoke_where(ApiToken.user_id == user.id, now)
    mfa.forget_devices(user.id, now)
    links.end_own([user.id], now)
    audit.record(audit.Kind.PASSWORD_RESET, user=user, actor=user, now=now)
    notices.tell(mail, user, notices.Change.PASSWORD_RESET, now,
                 "Every browser signed in as you was signed out and your API tokens revoked.")
    db.session.commit()
    return user
