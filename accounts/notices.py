"""The emails telling a user how it signs in has changed.

Policy: every change to an account's credentials — its password (changed, or reset from an
emailed link), its second factor turned on, off, moved to a new app or reset by a provider
admin, new recovery codes — is mailed to the account's address when it is made (ASVS
2.2.3, 3.7.1), so an owner whose password or session was stolen learns of it. The email
says what changed, when and who did it when that was not the user, never a secret, and
what to do when it was not the owner.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import datetime

from accounts.models import User

Mail = Callable[[str, str, str], None]  # (to, subject, body): adds an outbox email


class Change(enum.StrEnum):
    """What changed, as the email's subject says it."""

    PASSWORD_CHANGED = "Your password was changed"  # noqa: S105 -- a sentence, no secret
    PASSWORD_RESET = "Your password was reset"  # noqa: S105 -- a sentence, no secret
    MFA_ON = "Two-factor sign-in is on"
    MFA_OFF = "Two-factor sign-in is off"
    NEW_RECOVERY_CODES = "New recovery codes were made"
    MFA_RESET = "Your two-factor sign-in was reset"
    NEW_AUTHENTICATOR = "A new authenticator app was set up"


IF_NOT_YOU = ("If it was not you, someone else can sign in as you: choose a new password "
              "with “Forgot your password?” on the sign-in page, then sign out everywhere "
              "from your account page, and tell your company's administrator.")


def tell(mail: Mail, user: User, change: Change, now: datetime, detail: str = "",
         by: User | None = None) -> None:
    """Mail the account's address what changed and when, and who changed it when that was
    not the user itself (an administrator); the caller commits."""
    when = now.strftime("%Y-%m-%d %H:%M UTC")
    said = f"{change} for your storefront account {user.email} on {when}."
    if by is not None and by.id != user.id:
        tail = (f"It was done by {by.email}, an administrator of the storefront. If you did "
                "not ask for it, tell your provider at once.")
    else:
        tail = f"If it was you, there is nothing to do. {IF_NOT_YOU}"
    mail(user.email, change.value, " ".join(part for part in (said, detail, tail) if part))
