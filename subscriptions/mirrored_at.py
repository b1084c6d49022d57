"""S2/B2/B3: when a row last took Partner Center's answer (`synced_at`), and the hourly
sync's list of a tenant's subscriptions asked for before that; the seats such an answer
shows removable (`refundable`), as the mirror keeps them.

The sync lists a tenant's subscriptions, then reads the local rows. A storefront request
that had Partner Center's answer and committed in between (seats changed, a cancellation,
autorenew, an upgrade, a suspension, licences an order added) leaves the row newer than
the list: judged against it, the row's 5 seats were "5 added in Partner Center" (charged,
B2) and the list's 10 written over them, which the next pass credited (B3); a cancellation
read as reactivated, then as cancelled again in Partner Center. Every write that copies an
answer of Partner Center onto a row stamps it (`mirrored_now`); the sync notes when it
asked for the list, and leaves a row stamped since for its next pass, whose list is at
least as new (`newer_than_list`); so does the import of an existing base. The rows it
mirrors it stamps with the list's time, not the mirror's (subscriptions.mirror): a
conversion Partner Center completed in between is not in the list, and the next pass
judges it as made since the row was last seen, an upgrade, not seats removed.

A row the list shows otherwise in what the sync judges (seats, a cancellation, a renewal,
the seats still removable) is read again under its lock, as committed (subscriptions.
committed): a request that had Partner Center's answer and is still recording it is
counted first, its stamp with it. That also covers a row read before such a request
committed, where the older list would have written its removable seats (10) over the
request's (5). A row that matches takes no lock, and the sync writes over a newer answer
only its own `synced_at`, and what Partner Center changed itself since the last pass that
the request changed too (autorenew switched in both at once).

Both times are read from one clock. On PostgreSQL the storefront's web workers and the
sync's run on several hosts, whose clocks may differ by more than the race's milliseconds:
a web host 30 seconds behind stamped a request's answer before a list asked for after it,
and the race was open again. There both come from the database's clock: the stamp is
clock_timestamp() evaluated by the row's UPDATE itself (no statement more per write, and
after Partner Center's answer), the list's time one SELECT of it per tenant (`listed_now`).
Not now(), the transaction's start, which may come before Partner Center answered. On
SQLite the database's clock is the host's, and its CURRENT_TIMESTAMP has seconds only:
Python's clock, to the microsecond.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import func, select

from connectors.partner_center.commerce_types import Subscription as RemoteSubscription
from persistence import as_utc, db
from subscriptions.committed import reread
from subscriptions.models import Subscription
from subscriptions.seen_at_renewal import renews
from subscriptions.seen_changes import DELETED


def mirrored_now(sub: Subscription) -> None:
    """The row holds Partner Center's answer as of now (the sync's mirror, a storefront
    change's, licences an order added, a perpetual licence's cancellation). On PostgreSQL
    the row's UPDATE (or INSERT) stamps it by the database's clock (module doc): read
    before the flush, `synced_at` is that expression; after it, loaded again."""
    sub.synced_at = func.clock_timestamp() if _postgres() else datetime.now(UTC)


def listed_now() -> datetime:
    """When the sync (or an import) asks Partner Center for a tenant's list, by the clock
    rows are stamped with (module doc): one statement per tenant on PostgreSQL."""
    if _postgres():
        return db.session.scalar(select(func.clock_timestamp()))
    return datetime.now(UTC)


def _postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def newer_than_list(sub: Subscription, remote: RemoteSubscription,
                    listed_at: datetime | None) -> bool:
    """Whether `sub`, as committed, took Partner Center's answer after the sync asked for
    the list `remote` came in (`listed_at`; None: not known, never). A row the list shows
    otherwise is read again under its lock first (module doc)."""
    if _after(sub, listed_at):
        return True
    if not shown_otherwise(sub, remote):
        return False
    reread(sub)
    return _after(sub, listed_at)


def _after(sub: Subscription, listed_at: datetime | None) -> bool:
    # Strictly after: a pass under a frozen clock must still see its own earlier stamp.
    stamped = as_utc(sub.synced_at)
    return None not in (listed_at, stamped) and stamped > listed_at


def shown_otherwise(sub: Subscription, remote: RemoteSubscription, *,
                    removable: bool = True) -> bool:
    """Whether Partner Center shows the row otherwise than as held in what the sync judges:
    its seats, a cancellation, a renewal, and with `removable` the seats still removable.
    (A row read cancelled was read after the cancellation's commit, its stamp with it.)"""
    return sub.status != "cancelled" and (
        remote.quantity != sub.quantity or renews(sub, remote) or remote.status == DELETED
        or (removable and _removable_otherwise(sub, remote)))


def mirror_refundable(sub: Subscription, remote: RemoteSubscription) -> None:
    """S2: what may still be removed, and until when, as Partner Center reports it (kept
    as it was when the answer does not report it)."""
    shown = _removable(remote)
    if shown is not None:
        sub.refundable = shown


def _removable_otherwise(sub: Subscription, remote: RemoteSubscription) -> bool:
    shown = _removable(remote)
    return shown is not None and shown != sub.refundable


def _removable(remote: RemoteSubscription) -> str | None:
    """refundableQuantity as the mirror keeps it (None: the answer does not report it)."""
    if remote.refundable is None:
        return None
    return json.dumps([{"quantity": s.quantity, "until": s.allowed_until.isoformat()}
                       for s in remote.refundable if s.allowed_until is not None])
