"""Software keys and download links (S6, S7): revoked with the purchase, and revealed only
to admin agents with a log. They are recorded by admins from Partner Center
(subscriptions.entitlements), never generated here."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select, update

from persistence import db
from subscriptions import rules
from subscriptions.errors import SubscriptionRefused, refuse
from subscriptions.models import KeyAccess, SoftwareKey, Subscription
from subscriptions.sealed import identity_digest

# What each action shows, and the refusal when the record has none of it.
NEEDS = {"reveal": ("product_key", "S7.no_key", "This item has no product key, only a download."),
         "download": ("download_url", "S7.no_download", "This item has no download link.")}


def _agent(user) -> bool:
    return bool(getattr(user, "admin_agent", False))


def revoke_keys(sub: Subscription, now: datetime) -> None:
    """S6: a cancelled purchase keeps its row but loses its keys and download links."""
    for key in sub.live_keys:
        key.revoked_at = now
        sub.record("key_revoked", "Product key and download link revoked.")


def _chosen(sub: Subscription, key_id: int | None) -> SoftwareKey:
    """The live key asked for (the first when none is named); refused when it is gone."""
    live = [k for k in sub.live_keys if key_id is None or k.id == key_id]
    if not live:
        raise SubscriptionRefused(rules.Refusal("S6", "S6.key_revoked",
                                                "This item has no key or download any more."))
    return live[0]


def accessible(sub: Subscription, user, action: str, key_id: int | None = None
               ) -> SoftwareKey:
    """S7: the key an admin agent may reveal or download; refuses non-agents and keys
    that are gone. Logs nothing: asking is not downloading."""
    refuse(rules.check_may_reveal(_agent(user)))
    key = _chosen(sub, key_id)
    needed, code, message = NEEDS[action]
    if not getattr(key, needed):
        raise SubscriptionRefused(rules.Refusal("S7", code, message))
    return key


def _access(sub: Subscription, user, action: str, ip: str,
            key_id: int | None = None) -> SoftwareKey:
    """S7: refuse non-agents and keys that are gone; log every reveal and download."""
    key = accessible(sub, user, action, key_id)
    db.session.flush()
    db.session.add(KeyAccess(user_id=user.id, subscription_id=sub.id, key_id=key.id,
                             action=action, ip=ip or ""))
    db.session.commit()
    return key


def reveal_key(sub: Subscription, user, ip: str = "",
               key_id: int | None = None) -> SoftwareKey:
    """S7: show the product key to an admin agent, and write it to the activity log."""
    return _access(sub, user, "reveal", ip, key_id)


def download_url(sub: Subscription, user, ip: str = "", key_id: int | None = None) -> str:
    """S7: the download link for an admin agent, written to the activity log."""
    return _access(sub, user, "download", ip, key_id).download_url


def reencrypt_keys() -> int:
    """Re-encrypt every stored product key under the first PRODUCT_KEY_ENCRYPTION_KEY, so
    the keys after it can be retired, and digest each identity under it too (S7: recorded
    once); commits once and returns how many rows it rewrote."""
    table = SoftwareKey.__table__
    # The column's type decrypts with any configured key and encrypts with the first.
    rows = [{"row_id": key.id, "key": key.product_key,
             "digest": identity_digest(*key.identity)}
            for key in db.session.scalars(select(SoftwareKey))]
    if rows:
        db.session.execute(update(table).where(table.c.id == bindparam("row_id"))
                           .values(product_key=bindparam("key"),
                                   identity_digest=bindparam("digest")), rows)
    db.session.commit()
    return len(rows)
