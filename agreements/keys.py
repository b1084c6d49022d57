"""The MCA ledger's keys: each row is sealed with HMAC-SHA256 under a secret key.

Policy: the key comes from the environment (MCA_LEDGER_KEY) and is never stored in the
database, logged or exported; a row stores only the key's id (MCA_LEDGER_KEY_ID). Without
the key, someone who can write to the database can no longer rewrite a row and recompute
the chain. Rotation: give the new key a new id and move the old one to MCA_LEDGER_OLD_KEYS
("id:key,…"), so rows sealed with it still verify.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from config.credentials import ledger_keys


class UnknownKeyError(KeyError):
    """A row or statement names a key id that is not configured."""


class LedgerKeys:
    """The current key, by which new rows are sealed, and the retired keys still trusted."""

    def __init__(self, current_id: str, keys: Mapping[str, bytes]) -> None:
        self.current_id = current_id
        self._keys = dict(keys)

    def __repr__(self) -> str:  # ids only: a key must not reach a log or a traceback
        return f"LedgerKeys(current_id={self.current_id!r}, ids={sorted(self._keys)!r})"

    def seal(self, message: str, key_id: str | None = None) -> str:
        """HMAC-SHA256 of the message (hex) under the key with this id (default: current)."""
        key_id = self.current_id if key_id is None else key_id
        if key_id not in self._keys:
            raise UnknownKeyError(key_id)
        return hmac.new(self._keys[key_id], message.encode(), hashlib.sha256).hexdigest()

    def matches(self, message: str, key_id: str, seal: str) -> bool:
        """Whether the seal is this message's under that key (constant-time comparison)."""
        return hmac.compare_digest(self.seal(message, key_id), seal)


def from_config(config: Mapping[str, Any]) -> LedgerKeys:
    """The keys the app's settings name (ConfigError, naming the variable, if malformed)."""
    return LedgerKeys(*ledger_keys(config))
