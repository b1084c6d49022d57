"""Secrets and keys read from the environment, each checked at start-up (settings.validate):
the MCA ledger's keys (K5), live mode's Partner Center credentials, the product-key cipher
(S7). Their errors name the variable to fix and never quote a key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, MultiFernet

from config.errors import ConfigError

LEDGER_KEY_ID = re.compile(r"[A-Za-z0-9._-]{1,40}")
MIN_LEDGER_KEY_LENGTH = 32


def ledger_keys(config: Mapping[str, Any]) -> tuple[str, dict[str, bytes]]:
    """The MCA ledger's current key id and every configured key by id (K5).

    Errors name the variable to fix and never quote a key.
    """
    if not config.get("MCA_LEDGER_KEY"):
        raise ConfigError(
            "MCA_LEDGER_KEY is not set. The MCA ledger seals each row with it (HMAC-SHA256) so "
            "a row rewritten in the database no longer verifies. Set it in the environment, "
            "e.g. MCA_LEDGER_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))'), "
            "keep it out of the database and its backups, and when you replace it move the "
            "old one to MCA_LEDGER_OLD_KEYS."
        )
    current = _ledger_key_id(config.get("MCA_LEDGER_KEY_ID") or "", "MCA_LEDGER_KEY_ID")
    keys = {current: _ledger_key(config["MCA_LEDGER_KEY"], "MCA_LEDGER_KEY")}
    for entry in (config.get("MCA_LEDGER_OLD_KEYS") or "").split(","):
        if not entry.strip():
            continue
        key_id, colon, key = (part.strip() for part in entry.partition(":"))
        if not colon:
            raise ConfigError("MCA_LEDGER_OLD_KEYS: write each retired key as id:key, "
                              "separated by commas (an entry has no ':').")
        if _ledger_key_id(key_id, "MCA_LEDGER_OLD_KEYS") in keys:
            raise ConfigError(f"MCA_LEDGER_OLD_KEYS: key id {key_id!r} is used twice (or is "
                              "MCA_LEDGER_KEY_ID); give every key its own id.")
        keys[key_id] = _ledger_key(key, "MCA_LEDGER_OLD_KEYS")
    return current, keys


def ledger_legacy_rows(config: Mapping[str, Any]) -> int:
    """How many of the ledger's oldest rows the operator vouches were written unkeyed."""
    value = str(config.get("MCA_LEDGER_LEGACY_ROWS") or "0").strip()
    if not value.isdigit():
        raise ConfigError("MCA_LEDGER_LEGACY_ROWS must be a whole number of rows (0 unless "
                          "migration 0018 reported rows written before the ledger was keyed).")
    return int(value)


def _ledger_key_id(key_id: str, variable: str) -> str:
    if not LEDGER_KEY_ID.fullmatch(key_id):
        # The value is not quoted: a key written where its id belongs must not be echoed.
        raise ConfigError(f"{variable}: a key id is 1-40 letters, digits, '.', '_' or '-'.")
    return key_id


def _ledger_key(key: str, variable: str) -> bytes:
    if len(key) < MIN_LEDGER_KEY_LENGTH:
        raise ConfigError(f"{variable}: a ledger key needs at least {MIN_LEDGER_KEY_LENGTH} "
                          "characters; generate one with "
                          "python -c 'import secrets; print(secrets.token_hex(32))'.")
    return key.encode()


# What live mode signs in to Microsoft with (README, "Live mode"), and where each comes from.
LIVE_CREDENTIALS = {
    "PARTNER_CENTER_TENANT_ID": "the partner tenant's id or domain",
    "PARTNER_CENTER_CLIENT_ID": "the app id registered in Partner Center, App management",
    "PARTNER_CENTER_CLIENT_SECRET": "that app's client secret, for app-only calls",
}


def live_credentials(config: Mapping[str, Any]) -> None:
    """Live mode refuses to start without its Partner Center credentials, naming each one
    missing, rather than failing at a customer's first order."""
    if config.get("PARTNER_CENTER_MODE") != "live":
        return
    missing = [f"{name} ({what})" for name, what in LIVE_CREDENTIALS.items()
               if not str(config.get(name) or "").strip()]
    # The refresh token is imported once; afterwards the token cache holds its successors.
    cache = str(config.get("PARTNER_CENTER_TOKEN_CACHE") or "")
    if not str(config.get("PARTNER_CENTER_REFRESH_TOKEN") or "").strip() \
            and not (cache and Path(cache).is_file()):
        missing.append("PARTNER_CENTER_REFRESH_TOKEN (the App+User refresh token of the "
                       "Secure Application Model consent, for MCA, MPN and customer creation)")
    if missing:
        raise ConfigError("PARTNER_CENTER_MODE=live needs Partner Center credentials in the "
                          f"environment; missing: {'; '.join(missing)}. See the README, "
                          "'Live mode', or set PARTNER_CENTER_MODE=sandbox.")


def product_key_cipher(config: Mapping[str, Any]) -> MultiFernet:
    """The cipher of stored product keys (S7): the first PRODUCT_KEY_ENCRYPTION_KEY
    encrypts, each listed key decrypts. Errors name the variable and never quote a key."""
    keys = [key.strip() for key in str(config.get("PRODUCT_KEY_ENCRYPTION_KEY") or "")
            .split(",") if key.strip()]
    if not keys:
        raise ConfigError(
            "PRODUCT_KEY_ENCRYPTION_KEY is not set. Product keys are stored encrypted with it. "
            "Generate one with python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())', keep it out of the database and its "
            "backups, and to replace it put the new key first and the old one after a comma.")
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError:
        raise ConfigError("PRODUCT_KEY_ENCRYPTION_KEY: each key is 32 url-safe base64-encoded "
                          "bytes, as Fernet.generate_key() makes; separate keys with commas."
                          ) from None
