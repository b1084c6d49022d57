"""The app's throttle store (accounts/throttle.py) and the request facts it is keyed by."""

from __future__ import annotations

import math

from flask import current_app, request

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
    """A wait as people say it: "8 seconds", "1 minute", "15 minutes"."""
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
