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

import threading

from flask import Flask, current_app, g, session
from flask_wtf.csrf import generate_csrf

KEY = "signed_csrf_tokens"
MAX_KEPT = 4096  # a few hundred bytes each (~1.5 MB): the last sessions signed for
_keeping = threading.Lock()


def init_app(app: Flask) -> None:
    """After CSRFProtect.init_app: templates' csrf_token() goes through csrf_token too."""
    app.extensions[KEY] = {}
    app.jinja_env.globals["csrf_token"] = csrf_token


def csrf_token() -> str:
    """The session's signed token, as generate_csrf returns it."""
    config = current_app.config
    field = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    if field in g or config.get("WTF_CSRF_TIME_LIMIT", 3600) is not None:
        return generate_csrf()
    key = (config.get("WTF_CSRF_SECRET_KEY") or config["SECRET_KEY"], session.get(field))
    kept: dict = current_app.extensions[KEY]
    signed = kept.get(key) if key[1] else None
    if signed is not None:
        setattr(g, field, signed)
        return signed
    signed = generate_csrf()  # signs, creating the raw token if the session had none
    with _keeping:
        if len(kept) >= MAX_KEPT:
            kept.pop(next(iter(kept)))  # the oldest kept
        kept[(key[0], session[field])] = signed
    return signed
