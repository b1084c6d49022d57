"""Secret links in outgoing email: sealed while the email waits, removed once it is sent.

Policy: a link whose query carries `token=` opens an account by itself (a password reset,
an invitation, a sign-up, an email change); accounts/links.py stores only the sha256 of
its secret, so the outbox must not keep the secret either. While an email waits for the
mail server its tokens are sealed (Fernet, under a key derived from SECRET_KEY, which
lives in the environment and never in the database or its backups); once the server has
taken the email they are replaced by a marker. Whoever reads outbox_emails, a backup or
the admin outbox therefore opens nothing: the outbox page shows every such token
redacted, whatever the row holds (a row written before this rule holds it in clear until
it is sent, or the daily purge seals or redacts it).
"""

from __future__ import annotations

import base64
import re

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SEALED = "[sealed:"
REDACTED = "[redacted]"
# A token's value: sealed, already redacted, or in clear (token_urlsafe, or %-encoded).
SECRET_VALUE = re.compile(r"(?P<name>[?&]token=)"
                          r"(?P<value>\[sealed:[\w=-]+\]|\[redacted\]|[\w%~-]+)")
# Its own key, not SECRET_KEY itself: a key is used for one purpose only.
KEY_INFO = b"csp-storefront notifications: sealed email links"


class Unreadable(ValueError):
    """An email's secret link cannot be opened, so the email cannot be sent as written."""


def derived_fernet(secret_key: str | bytes, info: bytes) -> Fernet:
    """A Fernet under a key derived from SECRET_KEY for one purpose, named by `info`."""
    raw = secret_key.encode() if isinstance(secret_key, str) else secret_key
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(raw)
    return Fernet(base64.urlsafe_b64encode(key))


def _fernet(secret_key: str | bytes) -> Fernet:
    return derived_fernet(secret_key, KEY_INFO)


def sealed(text: str, secret_key: str | bytes) -> str:
    """The text to store: each token in clear sealed (sealed and redacted ones are kept)."""
    fernet = _fernet(secret_key)

    def seal(match: re.Match) -> str:
        if match["value"].startswith("["):
            return match[0]
        return f"{match['name']}{SEALED}{fernet.encrypt(match['value'].encode()).decode()}]"

    return SECRET_VALUE.sub(seal, text)


def opened(text: str, secret_key: str | bytes) -> str:
    """The text to send: each sealed token opened; Unreadable when one cannot be (SECRET_KEY
    changed since, or the token was redacted before the email was sent)."""
    fernet = _fernet(secret_key)

    def open_(match: re.Match) -> str:
        value = match["value"]
        if value == REDACTED:
            raise Unreadable("its link was removed before it was sent; ask for a new one")
        if not value.startswith(SEALED):
            return match[0]
        try:
            return match["name"] + fernet.decrypt(value[len(SEALED):-1]).decode()
        except InvalidToken:
            raise Unreadable("its link was sealed under another SECRET_KEY; ask for a new "
                             "one") from None

    return SECRET_VALUE.sub(open_, text)


def redacted(text: str) -> str:
    """The text with every token, sealed or not, replaced by a marker: what is kept once
    the email is sent, and what the admin outbox shows."""
    return SECRET_VALUE.sub(lambda match: match["name"] + REDACTED, text)
