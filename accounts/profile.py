"""A user's own profile: name, language, and an email change confirmed from the new
address.

Policy: a new sign-in address counts only once a link sent to it is opened (within 24
hours, once), so a typo cannot lock the user out and nobody claims an address they cannot
read; the change is asked with the current password, and the old address is told when it
is asked and again when it is done, so a stolen session cannot quietly move the account
away. A password change or reset, signing out everywhere and deactivation end the link
(accounts/links.py), so the owner taking the account back stops a change a thief asked for.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from accounts import audit, emails, links
from accounts.models import User
from accounts.services import EmailTaken, InvalidEmail, WrongPassword
from accounts.sign_in import normalise, user_by_email
from accounts.throttle import Store, allowance_wait
from persistence import db

Mail = Callable[[str, str, str], None]
# The languages pages and emails may be read in (code, name in that language).
LANGUAGES = (("en", "English"), ("de", "Deutsch"), ("fr", "Français"), ("pl", "Polski"))
MAX_NAME = 120


class UnknownLanguage(ValueError):
    """Not one of LANGUAGES."""


def update(user: User, *, name: str, language: str) -> None:
    """Save the name and language (UnknownLanguage); commits."""
    language = (language or "").strip()
    if language and language not in dict(LANGUAGES):
        raise UnknownLanguage("Language: choose one from the list.")
    user.name = (name or "").strip()[:MAX_NAME]
    user.language = language or None
    db.session.commit()


class TooManyChanges(Exception):
    """The user has asked for as many address changes as a day allows."""

    def __init__(self, wait: int) -> None:
        super().__init__(wait)
        self.wait = wait


def change_allowance(store: Store, user: User, limit: int, now: datetime
                     ) -> Callable[[], int | None]:
    """Counts a request against its user's daily allowance once its password is right (a
    wrong one is the re-check throttle's); the seconds to wait when over it. Each request
    mails the address typed, and anyone can sign up."""
    return lambda: allowance_wait(store, f"email-change:{user.id}", limit, 24 * 3600, now)


def request_email_change(user: User, new_email: str, password: str, now: datetime,
                         mail: Mail, confirm_url: Callable[[str], str],
                         allowance: Callable[[], int | None] = lambda: None) -> None:
    """Send a confirmation link to the new address and a note to the old one (commits).
    WrongPassword, InvalidEmail. An address another account signs in with gets a note
    instead of a link, and the answer is the same: refusing it told anyone signed in which
    addresses have accounts (confirming it would be refused anyway)."""
    if not user.check_password(password):
        raise WrongPassword("This is not your current password.")
    problem = emails.length_problem(new_email)
    if problem is not None:
        raise InvalidEmail(problem)
    new_email = normalise(new_email)
    if new_email == user.email:
        raise InvalidEmail("This is already your sign-in address.")
    if (wait := allowance()) is not None:
        raise TooManyChanges(wait)
    _row, secret = links.issue(links.Purpose.EMAIL_CHANGE, new_email, now, user=user,
                               data={"new_email": new_email})
    if user_by_email(new_email) is not None:
        mail(new_email, "Someone tried to move an account to your address", (
            f"The storefront account of {user.email} asked to sign in with this address "
            "from now on. This address already has an account, and each signs in with its "
            "own, so nothing changed. If you did not expect this, ignore this email."))
    else:
        mail(new_email, "Confirm your new sign-in address", (
            f"Open this link within 24 hours to sign in to the storefront as {new_email} "
            f"from now on (instead of {user.email}):\n\n{confirm_url(secret)}\n\n"
            "If you did not ask for this, ignore this email: nothing changes."))
    mail(user.email, "Your sign-in address is about to change", (
        f"Someone signed in as you asked to change your sign-in address to {new_email}. "
        "It changes only when the link sent there is opened. If it was not you, change "
        "your password now, or sign out everywhere from your account page: either "
        "cancels the change."))
    # Asked, not done: the log shows a thief's attempt even if the link is never opened.
    audit.record(audit.Kind.EMAIL_CHANGE_ASKED, user=user, actor=user, now=now,
                 detail=f"to {new_email}")
    db.session.commit()


def confirm_email_change(secret: str, now: datetime, mail: Mail) -> User:
    """Move the account to the confirmed address and tell the old one, which may be its
    owner's only way to learn of it (LinkInvalid, EmailTaken); commits. A reset link sent
    to the old address ends: it belongs to an address the account no longer has."""
    row = links.live(links.Purpose.EMAIL_CHANGE, secret, now)
    links.claim(row, now)
    new_email, user = row.data["new_email"], row.user
    if user_by_email(new_email) is not None:
        db.session.commit()  # the link is spent either way
        raise EmailTaken("Another account signs in with this address now.")
    old = user.email
    user.email = new_email
    links.end_own([user.id], now)
    mail(old, "Your sign-in address has changed", (
        f"Your storefront account signs in as {new_email} from now on, not as {old}: the "
        "link sent to the new address was opened. If it was not you, someone has your "
        "password or a browser signed in as you: ask your company's administrator or "
        "the provider at once to deactivate the account and give it back its address."))
    audit.record(audit.Kind.EMAIL_CHANGED, user=user, actor=user, now=now,
                 detail=f"{old} → {new_email}")
    db.session.commit()
    return user
