"""A session's signed CSRF token, signed once per worker instead of once per response.

Flask-WTF keeps a raw token in the session and signs it afresh for every response that
shows a form (an HMAC and a zlib pass: ~30 us of every signed-in page, the sign-out form
in the top bar included, #27). The signature carries its time, which only
WTF_CSRF_TIME_LIMIT reads; with no limit (config/settings.py) a token signed earlier for
the same raw token and key is exactly as valid, so each worker keeps what it signed and
hands it to Flask-WTF through `g`, where generate_csrf looks first. With a limit, every
response is signed afresh, as Flask-WTF does.
"""

from __future__ import annotations

from flask import Flask, current_app, g, session
from flask_wtf.csrf import generate_csrf

from catalog.cache import ListingCache

KEY = "signed_csrf_tokens"
MAX_KEPT = 4096  # a few hundred bytes each (~1.5 MB): the sessions signed for last
KEPT_VERSION = 0  # nothing outdates a signed token: its raw token and key are its key


def init_app(app: Flask) -> None:
    """After CSRFProtect.init_app: templates' csrf_token() goes through csrf_token too."""
    app.extensions[KEY] = ListingCache(MAX_KEPT)
    app.jinja_env.globals["csrf_token"] = csrf_token


def csrf_token() -> str:
    """The session's signed token, as generate_csrf returns it."""
    config = current_app.config
    field = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    raw = session.get(field)
    if field in g or not raw or config.get("WTF_CSRF_TIME_LIMIT", 3600) is not None:
        return generate_csrf()  # a session without a raw token gets one here
    secret = config.get("WTF_CSRF_SECRET_KEY") or config["SECRET_KEY"]
    kept: ListingCache = current_app.extensions[KEY]
    signed = kept.get_or_render(KEPT_VERSION, (secret, raw), generate_csrf)
    setattr(g, field, signed)
    return signed
