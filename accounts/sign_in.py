"""Sign-in policy: throttled per account and per client address, equal work for every email.

Every attempt is counted before its password is hashed, in two buckets: the account (the
email as typed, lower-cased, whether or not such a user exists) and the client address.
The first attempts go straight through: 5 per account, counted until an hour passes with
no attempt on it, and 20 per address in each 15 minutes. From then on each attempt that
goes through locks its bucket for 2, 4, 8 … seconds, doubling up to 15 minutes. So a
guesser gets about 14 tries in the first 20 minutes, then 4 an hour; a colleague
who mistypes five times waits two seconds. While either bucket is locked an attempt is
refused before any password work (a couple of reads, no hash) and is not counted:
hammering a locked account does not lengthen its lock. Of several attempts racing past
the free ones, exactly one takes the lock and the rest are refused, so at most the free
attempts of a bucket hash at the same time.

A successful sign-in (password and second factor both right) clears the account's bucket
and takes its own attempts back from the address's bucket, so an office behind one
address is not slowed by its colleagues' successful sign-ins; failures still add up.
Nothing here tells a known email from an unknown one: both are counted and refused alike,
and an unknown email's password is checked against a dummy hash made the same way as
every user's, so it takes as long.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from accounts.models import User, password_hash_method
from accounts.throttle import Store, lock_seconds, seconds_until
from persistence import db


@dataclass(frozen=True)
class Limits:
    per_account: int = 5  # attempts that go straight through…
    account_quiet: int = 3600  # …until this many seconds pass without one
    per_address: int = 20  # attempts that go straight through…
    address_window: int = 900  # …in each window of this many seconds
    max_lock: int = 900  # the longest lock, in seconds

    @classmethod
    def from_config(cls, config) -> Limits:
        """The SIGN_IN_* settings (config/settings.py), defaults above."""
        names = {"per_account": "SIGN_IN_FREE_ATTEMPTS",
                 "account_quiet": "SIGN_IN_ACCOUNT_QUIET_SECONDS",
                 "per_address": "SIGN_IN_FREE_ATTEMPTS_PER_ADDRESS",
                 "address_window": "SIGN_IN_ADDRESS_WINDOW_SECONDS",
                 "max_lock": "SIGN_IN_MAX_LOCK_SECONDS"}
        return cls(**{field: int(config.get(name, getattr(cls, field)))
                      for field, name in names.items()})


def normalise(email: str) -> str:
    return (email or "").strip().lower()


def account_bucket(email: str) -> str:
    # A digest, not the address: the table must not collect every email anyone typed.
    return "sign-in:account:" + hashlib.sha256(normalise(email).encode()).hexdigest()[:40]


def address_bucket(address: str) -> str:
    return "sign-in:address:" + (address or "unknown")


def wait_before(store: Store, email: str, address: str, limits: Limits,
                now: datetime) -> int | None:
    """Count this attempt; the seconds to wait if it is refused, None if it may go ahead."""
    buckets = ((account_bucket(email), limits.per_account, limits.account_quiet, True),
               (address_bucket(address), limits.per_address, limits.address_window, False))
    locked = store.locked_until([bucket for bucket, *_ in buckets], now)
    if locked is not None:
        return seconds_until(locked, now)
    for bucket, free, window, sliding in buckets:
        attempt = store.hit(bucket, window, now, sliding=sliding).hits
        lock = lock_seconds(attempt, free, limits.max_lock)
        if lock and not store.lock(bucket, now + timedelta(seconds=lock), now):
            # Another attempt took the lock first: this one raced it, it waits too.
            return seconds_until(store.locked_until([bucket], now) or now, now)
    return None


def signed_in(store: Store, email: str, address: str, now: datetime, attempts: int = 1) -> None:
    """The whole sign-in succeeded (the password and, when asked, the second factor): the
    account starts afresh, the address takes back this sign-in's own attempts and keeps
    its failures. Never call it for the password alone: a second factor's guesses count
    in the same account bucket, and clearing it there would give each re-post of a known
    password a fresh set of code guesses."""
    store.clear(account_bucket(email))
    for _ in range(attempts):
        store.undo(address_bucket(address), now)


def user_by_email(email: str) -> User | None:
    query = select(User).where(func.lower(User.email) == normalise(email))
    return db.session.scalars(query).first()


def check(email: str, password: str) -> User | None:
    """The user with this email and password, else None, after the same hashing work
    either way: no answer comes sooner for an email nobody uses."""
    user = user_by_email(email)
    if user is None:
        check_password_hash(dummy_hash(password_hash_method()), password)
        return None
    return user if user.check_password(password) else None


@cache
def dummy_hash(method: str) -> str:
    """A hash of a random password, made once per hashing method."""
    return generate_password_hash(secrets.token_urlsafe(16), method=method)
