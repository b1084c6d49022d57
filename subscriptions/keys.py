"""Software keys and download links (S6, S7): issued, revoked, and revealed only with a log."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import bindparam, select, update

from persistence import db
from subscriptions import rules
from subscriptions.errors import SubscriptionRefused, refuse
from subscriptions.models import KeyAccess, SoftwareKey, Subscription


def _agent(user) -> bool:
    return bool(getattr(user, "admin_agent", False))


def revoke_keys(sub: Subscription, now: datetime) -> None:
    """S6: a cancelled purchase keeps its row but loses its keys and download links."""
    for key in sub.live_keys:
        key.revoked_at = now
        sub.record("key_revoked", "Product key and download link revoked.")


def issue_software_key(sub: Subscription) -> SoftwareKey:
    """Give a perpetual-software subscription a key and download link (sandbox and demo)."""
    if sub.live_keys:
        return sub.live_keys[0]
    groups = uuid.uuid4().hex.upper()[:25]
    key = SoftwareKey(product_key="-".join(groups[i:i + 5] for i in range(0, 25, 5)),
                      download_url=f"https://download.example.invalid/{sub.pc_product_id}/"
                                   f"{uuid.uuid4().hex}.iso")
    sub.keys.append(key)
    sub.record("key_issued", "Product key and download link issued.")
    return key


def _access(sub: Subscription, user, action: str, ip: str) -> SoftwareKey:
    """S7: refuse non-agents and keys that are gone; log every reveal and download."""
    refuse(rules.check_may_reveal(_agent(user)))
    if not sub.live_keys:
        raise SubscriptionRefused(rules.Refusal("S6", "S6.key_revoked",
                                                "This item has no key or download any more."))
    key = sub.live_keys[0]
    db.session.flush()
    db.session.add(KeyAccess(user_id=user.id, subscription_id=sub.id, key_id=key.id,
                             action=action, ip=ip or ""))
    db.session.commit()
    return key


def reveal_key(sub: Subscription, user, ip: str = "") -> SoftwareKey:
    """S7: show the product key to an admin agent, and write it to the activity log."""
    return _access(sub, user, "reveal", ip)


def download_url(sub: Subscription, user, ip: str = "") -> str:
    """S7: the download link for an admin agent, written to the activity log."""
    return _access(sub, user, "download", ip).download_url


def reencrypt_keys() -> int:
    """Re-encrypt every stored product key under the first PRODUCT_KEY_ENCRYPTION_KEY, so
    the keys after it can be retired; commits once and returns how many rows it rewrote."""
    table = SoftwareKey.__table__
    # The column's type decrypts with any configured key and encrypts with the first.
    rows = [{"row_id": row_id, "key": key} for row_id, key in
            db.session.execute(select(table.c.id, table.c.product_key))]
    if rows:
        db.session.execute(update(table).where(table.c.id == bindparam("row_id"))
                           .values(product_key=bindparam("key")), rows)
    db.session.commit()
    return len(rows)
