"""Product keys encrypted at rest (S7): a copy of the database, a backup or a read-only
SQL account reveals no key; only the app, holding PRODUCT_KEY_ENCRYPTION_KEY from the
environment, reads them.

Fernet, from the `cryptography` package, is the cipher: authenticated encryption
(AES-128-CBC with HMAC-SHA256) behind one call each way, a random IV per value, and a
token that refuses to decrypt when altered, so nothing here chooses modes, IVs or padding.
MultiFernet rotates keys: the first key in the setting encrypts, every listed key
decrypts, and `flask subscriptions rotate-product-keys` re-encrypts old rows under the
first.
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import InvalidToken, MultiFernet
from flask import current_app
from sqlalchemy import String
from sqlalchemy.types import TypeDecorator

from config.settings import product_key_cipher

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

