"""Product keys encrypted at rest (S7): a copy of the database, a backup or a read-only
SQL account reveals no key; only the app, holding PRODUCT_KEY_ENCRYPTION_KEY from the
environment, reads them.

Fernet, from the `cryptography` package, is the cipher: authenticated encryption
(AES-128-CBC with HMAC-SHA256) behind one call each way, a random IV per value, and a
token that refuses to decrypt when altered, so nothing here chooses modes, IVs or padding.
MultiFernet rotates keys: the first key in the setting encrypts, every listed key
decrypts, and `flask subscriptions rotate-product-keys` re-encrypts old rows under the
first.

A key's identity (its subscription, entitlement, key, link and choices) is also kept as a
keyed digest, HMAC-SHA256 under a key derived from the first PRODUCT_KEY_ENCRYPTION_KEY: a
unique index over it records each live key once (the Fernet tokens, random per value,
cannot be compared), and the digest shows nothing of the key to whoever reads the
database without the setting. `rotate-product-keys` recomputes it under the new first key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from functools import lru_cache

from cryptography.fernet import InvalidToken, MultiFernet
from flask import current_app
from sqlalchemy import String
from sqlalchemy.types import TypeDecorator

from config.credentials import product_key_cipher

# A 100-character key becomes a token of at most 228 characters.
TOKEN_LENGTH = 255


class ProductKeyUnreadable(RuntimeError):
    """A stored product key does not decrypt with any configured key."""


@lru_cache(maxsize=4)
def _cipher(keys: str) -> MultiFernet:
    return product_key_cipher({"PRODUCT_KEY_ENCRYPTION_KEY": keys})


def cipher() -> MultiFernet:
    """The current app's cipher, built once per distinct setting."""
    return _cipher(current_app.config["PRODUCT_KEY_ENCRYPTION_KEY"])


class Encrypted(TypeDecorator):
    """A text column stored as a Fernet token and read back as the text."""

    impl = String(TOKEN_LENGTH)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else cipher().encrypt(value.encode()).decode()

    def process_result_value(self, value, dialect):
        return None if value is None else decrypt(cipher(), value)


def decrypt(keys: MultiFernet, token: str) -> str:
    """The text of a token; a clear error (never quoting a key) when no key opens it."""
    try:
        return keys.decrypt(token.encode()).decode()
    except InvalidToken:
        raise ProductKeyUnreadable(
            "A stored product key does not decrypt with PRODUCT_KEY_ENCRYPTION_KEY: the key "
            "it was encrypted with must stay listed (after a comma) until `flask "
            "subscriptions rotate-product-keys` has re-encrypted every key.") from None



def identity_digest(*parts) -> str:
    """The current app's keyed digest of a key's identity (see key_identity_digest)."""
    return key_identity_digest(current_app.config["PRODUCT_KEY_ENCRYPTION_KEY"], parts)


def identity_digests(*parts) -> list[str]:
    """The identity's digest under each configured key, the first key's first: during a
    rotation (before `rotate-product-keys` has run, or while a worker still runs with the
    old setting) a row recorded under an older key carries that key's digest."""
    keys = str(current_app.config["PRODUCT_KEY_ENCRYPTION_KEY"]).split(",")
    return [_digest(key, parts) for key in keys if key.strip()]


def key_identity_digest(setting: str, parts) -> str:
    """HMAC-SHA256 of `parts` (JSON, so no two identities join to the same text) under a
    key derived from the setting's first key: 64 hex characters."""
    return _digest(str(setting).split(",")[0], parts)


def _digest(key: str, parts) -> str:
    # Derived, not the Fernet key itself: one secret, two separate uses.
    derived = hmac.new(key.strip().encode(), b"csp-storefront software key identity",
                       hashlib.sha256)
    text = json.dumps(list(parts), separators=(",", ":"), ensure_ascii=False)
    return hmac.new(derived.digest(), text.encode(), hashlib.sha256).hexdigest()
