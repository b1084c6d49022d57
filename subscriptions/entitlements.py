"""Software entitlements mirrored from Partner Center, and the keys admins record (S6, S7).

Partner Center says, per customer, what each order line entitles to (Get a collection of
entitlements); `mirror_entitlements` copies the software ones, links each to the local
subscription of its order line, and notes the ones Partner Center no longer lists (a
cancelled purchase), revoking their keys (S6).

Microsoft documents no API returning product keys or download links: a provider's admin
reads them in Partner Center and records them here (`record_key`, or a CSV import in
subscriptions.key_import), against the entitlement. The storefront never invents one.
Keys are stored encrypted (subscriptions.sealed) and revealed only to admin agents, each
reveal logged (subscriptions.keys).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from connectors.partner_center.entitlements import Entitlement as RemoteEntitlement
from persistence import db, utcnow
from persistence.locks import locked
from refusals import Refused
from subscriptions.models import Entitlement, SoftwareKey, Subscription
from subscriptions.sealed import identity_digests

KEY_RE = re.compile(r"[A-Za-z0-9]+(-[A-Za-z0-9]+)*")
LINK_RE = re.compile(r"https://[^\s<>\"'`]+")
CHOICE_LENGTHS = {"version": 40, "language": 40, "file_type": 20, "os": 40}


@dataclass(frozen=True)
class KeyProblem:
    """Why a key or download cannot be recorded: rule, stable code, message, field and the
    CSV row it came from (None when pasted)."""

    rule: str
    code: str
    message: str
    field: str | None = None
    line: int | None = None


class KeysRefused(Refused):
    """Recording keys or downloads is refused; every problem is listed."""

    default_field = "product_key"
    summary = "The key or download was not recorded; fix each problem listed and try again."


@dataclass(frozen=True)
class KeyEntry:
    """One key and/or download as the admin typed or imported it."""

    product_key: str = ""
    download_url: str = ""
    version: str = ""
    language: str = ""
    file_type: str = ""
    os: str = ""

    def cleaned(self) -> KeyEntry:
        """Surrounding spaces dropped (pasted values carry them)."""
        return KeyEntry(*(str(getattr(self, f) or "").strip() for f in self.__dataclass_fields__))


def _subscription_of(tenant_id: str, remote: RemoteEntitlement) -> Subscription | None:
    """The local subscription bought on the entitlement's order line, if mirrored; else the
    tenant's only subscription of that product and SKU not yet linked to an entitlement
    (one adopted without its order id), never a guess between several."""
    same = select(Subscription).where(Subscription.tenant_id == tenant_id,
                                      Subscription.pc_product_id == remote.product_id,
                                      Subscription.pc_sku_id == remote.sku_id)
    exact = db.session.scalars(same.where(
        Subscription.pc_order_id == remote.reference_order.id)).first()
    if exact is not None:
        return exact
    linked = select(Entitlement.subscription_id).where(
        Entitlement.subscription_id.is_not(None))
    free = db.session.scalars(same.where(Subscription.id.not_in(linked)).limit(2)).all()
    return free[0] if len(free) == 1 else None


def _row(customer_id: int, tenant_id: str, remote: RemoteEntitlement,
         known: dict[tuple, Entitlement]) -> Entitlement:
    """The local row of one remote entitlement, inserted when new."""
    ref = remote.reference_order
    key = (ref.id, ref.line_item_id, remote.product_id, remote.sku_id)
    row = known.get(key)
    if row is None:
        row = Entitlement(customer_id=customer_id, tenant_id=tenant_id, pc_order_id=ref.id,
                          line_item_id=ref.line_item_id, pc_product_id=remote.product_id,
                          pc_sku_id=remote.sku_id)
        db.session.add(row)
        known[key] = row
    row.alternate_id, row.entitlement_type = ref.alternate_id, remote.entitlement_type
    row.quantity, row.expires_at = remote.quantity, remote.expiry_date
    row.synced_at, row.gone_at = utcnow(), None
    return row


def mirror_entitlements(client, customer_id: int, tenant_id: str) -> int:
    """Copy the tenant's software entitlements (App+User call); answers how many Partner
    Center listed. The caller commits."""
    remotes = client.list_entitlements(tenant_id, entitlement_type="software",
                                       show_expiry=True)
    known = {(e.pc_order_id, e.line_item_id, e.pc_product_id, e.pc_sku_id): e
             for e in db.session.scalars(select(Entitlement).filter_by(tenant_id=tenant_id))}
    stale = {id(e): e for e in known.values()}
    listed = 0
    for outer in remotes:
        top = _row(customer_id, tenant_id, outer, known)
        top.subscription = top.subscription or _subscription_of(tenant_id, outer)
        if top.subscription is not None:
            top.customer_id = top.subscription.customer_id
        for remote, parent in outer.flattened():
            row = top if parent is None else _row(top.customer_id, tenant_id, remote, known)
            if parent is not None:
                row.parent, row.subscription = top, top.subscription
            stale.pop(id(row), None)
            listed += 1
    _gone(stale.values(), utcnow())
    return listed


def _gone(rows, now: datetime) -> None:
    """S6: what Partner Center no longer lists was cancelled: its keys and links go."""
    for row in rows:
        if row.gone_at is None:
            row.gone_at = now
        for key in row.live_keys:
            key.revoked_at = now


def _problem(code: str, message: str, field: str | None, line: int | None) -> KeyProblem:
    rule = code.split(".", 1)[0]
    return KeyProblem(rule, code, message, field, line)


def entitlement_problems(entitlement: Entitlement, line: int | None = None
                         ) -> list[KeyProblem]:
    """Whether anything may be recorded against the entitlement at all."""
    if entitlement.gone_at is not None:
        return [_problem("S6.entitlement_gone", "Partner Center no longer lists this "
                         "entitlement (the purchase was cancelled): it gets no key.",
                         "entitlement", line)]
    if entitlement.subscription is None:
        return [_problem("S7.no_subscription", "This entitlement has no subscription in the "
                         "storefront yet: run the subscription sync, then record the key.",
                         "entitlement", line)]
    if entitlement.subscription.product.delivery == "none":
        return [_problem("S7.nothing_delivered", "This product needs no key or download "
                         "(see its catalog settings).", "entitlement", line)]
    return []


def entry_problems(entitlement: Entitlement, entry: KeyEntry, line: int | None = None
                   ) -> list[KeyProblem]:
    """Every reason the entry cannot be recorded against the entitlement."""
    found = entitlement_problems(entitlement, line)
    if found:
        return found
    delivery = entitlement.subscription.product.delivery
    if not (entry.product_key or entry.download_url):
        found.append(_problem("S7.key_or_download_required", "Enter the product key, the "
                              "download link, or both, as Partner Center shows them.",
                              "product_key", line))
    if entry.product_key and not (KEY_RE.fullmatch(entry.product_key)
                                  and len(entry.product_key) <= 100):
        found.append(_problem("S7.key_format", "Product key: letters, digits and dashes as "
                              "Partner Center shows it (e.g. XXXXX-XXXXX-XXXXX-XXXXX-XXXXX), "
                              "at most 100 characters.", "product_key", line))
    if entry.product_key and delivery == "download":
        found.append(_problem("S7.key_not_delivered", "This product comes with a download "
                              "only: leave the product key empty.", "product_key", line))
    found += _download_problems(entry, delivery, line)
    return found


def _download_problems(entry: KeyEntry, delivery: str, line: int | None) -> list[KeyProblem]:
    found = []
    if entry.download_url and not (LINK_RE.fullmatch(entry.download_url)
                                   and len(entry.download_url) <= 500):
        found.append(_problem("S7.download_link_format", "Download link: the full https:// "
                              "address Partner Center shows, at most 500 characters.",
                              "download_url", line))
    if entry.download_url and delivery == "key":
        found.append(_problem("S7.download_not_delivered", "This product comes with a "
                              "product key only: leave the download link empty.",
                              "download_url", line))
    for name, limit in CHOICE_LENGTHS.items():
        if len(getattr(entry, name)) > limit:
            found.append(_problem("S7.choice_too_long", f"{name.replace('_', ' ').title()}: "
                                  f"at most {limit} characters.", name, line))
    return found


def _identity(entitlement: Entitlement, entry: KeyEntry) -> tuple:
    """The entry's identity as SoftwareKey.identity reads a recorded one."""
    return (entitlement.subscription_id, entitlement.id, entry.product_key,
            entry.download_url, entry.version, entry.language, entry.file_type, entry.os)


def _insert_once(values: dict) -> int | None:
    """INSERT ... ON CONFLICT DO NOTHING on the live-identity index: a concurrent request (a
    double click, an import sent twice) may have recorded the same key a moment ago. The
    new row's id, or None when it was there already."""
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    return db.session.scalar(insert(SoftwareKey).values(**values).on_conflict_do_nothing(
        index_elements=["identity_digest"], index_where=SoftwareKey.revoked_at.is_(None))
        .returning(SoftwareKey.id))


def _recorded(entitlement: Entitlement, digests: list[str]) -> bool:
    """Whether the key is live already under any configured key's digest. The entitlement
    is locked first (persistence.locks), so a request recording the same key under another
    key's digest (a worker still on the old setting during a rotation, which the unique
    index cannot see) waits for this one and then finds it. An index lookup: the
    entitlement's live keys are not decrypted to compare them (an import of n keys into
    one entitlement decrypted n²/2 of them)."""
    locked(select(Entitlement.id).where(Entitlement.id == entitlement.id).with_for_update())
    return db.session.scalar(select(SoftwareKey.id).where(
        SoftwareKey.identity_digest.in_(digests), SoftwareKey.revoked_at.is_(None))
        .limit(1)) is not None


def add_key(entitlement: Entitlement, entry: KeyEntry, user) -> SoftwareKey | None:
    """The key row for a checked entry, added in the session (the caller commits); None
    when the same live key is recorded already (nothing is added)."""
    digests = identity_digests(*_identity(entitlement, entry))
    if _recorded(entitlement, digests):
        return None
    sub = entitlement.subscription
    key_id = _insert_once({
        "subscription_id": sub.id, "entitlement_id": entitlement.id,
        "recorded_by_id": getattr(user, "id", None), "product_key": entry.product_key,
        "download_url": entry.download_url, "version": entry.version,
        "language": entry.language, "file_type": entry.file_type, "os": entry.os,
        "issued_at": utcnow(), "identity_digest": digests[0]})
    if key_id is None:
        return None
    db.session.expire(entitlement, ["keys"])  # the rows now include the one just inserted
    db.session.expire(sub, ["keys"])
    key = db.session.get(SoftwareKey, key_id)
    what = " and ".join(w for w, v in (("Product key", entry.product_key),
                                       ("download link", entry.download_url)) if v)
    # The note names who and what (the choices tell two keys of one product apart), never
    # the key itself.
    which = f": {key.choices}" if key.choices else ""
    sub.record("key_recorded", f"{what} recorded from Partner Center "
                               f"({entitlement.pc_product_id}:{entitlement.pc_sku_id}){which}.",
               user=user)
    return key


def record_key(entitlement: Entitlement, entry: KeyEntry, user) -> SoftwareKey | None:
    """S7: record one key and/or download an admin copied from Partner Center; refuses
    with every problem, else commits once. None when that key was recorded already (a
    resubmitted form): recording it again adds nothing."""
    entry = entry.cleaned()
    problems = entry_problems(entitlement, entry)
    if problems:
        raise KeysRefused(problems)
    key = add_key(entitlement, entry, user)
    db.session.commit()
    return key


def customer_entitlements(customer_id: int | None = None):
    """A select() of software entitlements, newest order first, optionally one customer's."""
    query = select(Entitlement).order_by(Entitlement.id.desc())
    if customer_id is not None:
        query = query.where(Entitlement.customer_id == customer_id)
    return query
