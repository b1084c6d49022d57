"""The app's throttle store (accounts/throttle.py) and the request facts it is keyed by."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from flask import current_app, request

from accounts import sign_in
from accounts.throttle import Store, store_for
from persistence import db

KEY = "throttle_store"


def store() -> Store:
    """The app's store, built on first use from THROTTLE_STORAGE_URL (a test may put its
    own in app.extensions first)."""
    app = current_app
    if KEY not in app.extensions:
        app.extensions[KEY] = store_for(app.config.get("THROTTLE_STORAGE_URL"), db.session)
    return app.extensions[KEY]


def client_address() -> str:
    """The peer's address. X-Forwarded-For is not read here: it is whatever the client
    wrote unless a proxy we trust set it, and then werkzeug's ProxyFix, configured for that
    proxy, has already put the client's address in remote_addr."""
    return request.remote_addr or "unknown"


def in_words(seconds: int) -> str:
    """A wait as people say it: "8 seconds", "1 minute", "15 minutes", "5 hours" (past 90
    minutes: a daily allowance's wait is no "1440 minutes")."""
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    if seconds > 90 * 60:
        return f"{math.ceil(seconds / 3600)} hours"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def recheck_wait(user) -> int | None:
    """Count a signed-in user's re-typed password or code (to change the password or email,
    make recovery codes, turn two-factor off) in its sign-in buckets, the account's and
    this address's: a borrowed session gets no more guesses than the sign-in page gives.
    The seconds to wait when refused, else None."""
    return sign_in.wait_before(store(), user.email, client_address(),
                               sign_in.Limits.from_config(current_app.config),
                               datetime.now(UTC))


def rechecked(user) -> None:
    """The re-typed secret was right: the account starts afresh, as after a sign-in."""
    sign_in.signed_in(store(), user.email, client_address(), datetime.now(UTC))


def too_many_rechecks(wait: int, what: str = "your current password",
                      fix: str = "Forgotten it? Sign out and use “Forgot your password?” "
                                 "on the sign-in page.") -> str:
    """The refusal beside the field: what was tried too often, when to try again, and
    what to do instead."""
    return f"Too many tries at {what}; wait {in_words(wait)}, then type it again. {fix}"
