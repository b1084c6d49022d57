"""Refresh the local mirror from Partner Center, so changes made elsewhere show up here.

`sync_all(client)` is what `flask subscriptions sync` and a periodic Celery job call: for
every customer tenant the storefront has, it lists the tenant's subscriptions (and the
older software only its orders return, see subscriptions.order_sync), copies quantity,
status, autorenew and the term dates onto the local rows (subscriptions.mirror; a
SubscriptionEvent for each change it saw), and adopts the subscriptions bought in Partner
Center since, with the matching rules of subscriptions.matching (the import of an existing
base uses the same).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from accounts.models import Customer
from connectors.partner_center import PartnerCenterClient
from connectors.partner_center.commerce_types import Subscription as RemoteSubscription
from connectors.partner_center.errors import PartnerCenterError
from connectors.partner_center.transition_types import Transition
from persistence import as_utc, db
from subscriptions.adopted_cancelled import record_found_cancelled
from subscriptions.adopted_upgraded import upgraded_away
from subscriptions.entitlements import mirror_entitlements
from subscriptions.matching import (
    Findings,
    Owner,
    ProductIndex,
    Reasons,
    Tally,
    Unmatched,
    adopt,
    known_subscriptions,
    owners_of,
)
from subscriptions.mirror import mirror
from subscriptions.mirrored_at import (
    listed_now,
    newer_than_list,
)
from subscriptions.models import Subscription, SubscriptionEvent
from subscriptions.moved_in import Awaiting, awaiting, link_made, made_by, settle
from subscriptions.order_sync import with_orders
from subscriptions.rules import PERPETUAL
from subscriptions.seen_at_renewal import billable
from subscriptions.seen_changes import (
    DELETED,
    Seen,
    may_have_moved,
    moved_out_since_seen,
    seen_mark,
)
from subscriptions.transition_reads import Transitions, read_transitions, to_adopt

log = logging.getLogger(__name__)


@dataclass
class SyncReport:
    """What one sync pass did: tenants read, subscriptions by outcome, why some have no
    local home, and why new ones wait for the next pass."""

    customers: int = 0  # customer tenants read
    failed: int = 0  # tenants Partner Center did not answer for
    subscriptions: Tally = field(default_factory=Tally)
    reasons: Reasons = field(default_factory=Reasons)
    waited: Reasons = field(default_factory=Reasons)  # R4, subscriptions.transition_reads

    @property
    def seen(self) -> int:
        return self.subscriptions.seen

    @property
    def changed(self) -> int:
        return self.subscriptions.updated

    @property
    def added(self) -> int:
        return self.subscriptions.created

    def add(self, other: SyncReport) -> None:
        """Fold one committed tenant's report in."""
        self.customers += other.customers
        self.subscriptions.add(other.subscriptions)
        self.reasons.add(other.reasons)
        self.waited.add(other.waited)


@dataclass(frozen=True)
class _Read:
    """A known row, Partner Center's answer for it, and its transitions (None: unread)."""

    sub: Subscription
    remote: RemoteSubscription
    moves: Sequence[Transition] | None


def mirror_tenant(tenant_id: str, remotes: Sequence[RemoteSubscription],
                  owners: Sequence[Owner], known: dict[str, Subscription],
                  products: ProductIndex, into: Findings,
                  transitions: Transitions | None = None,
                  listed_at: datetime | None = None) -> Reasons:
    """Bring a tenant's remote subscriptions onto their local rows, adopting the ones the
    storefront does not know yet; `into` (a SyncReport or an ImportSummary) counts them.
    Seat changes and cancellations made in Partner Center are written as billing charges
    the storefront's own (B2/B3, subscriptions.seen_changes), in the caller's one commit;
    with `transitions`, seats upgraded there as its upgrades, on both sides (R4). A row
    the storefront mirrored after `listed_at`, when the list was asked for, waits for the
    next pass (subscriptions.mirrored_at); so do the new ones while a transitions read
    went unanswered: answers why (subscriptions.transition_reads)."""
    # Only the sync reads transitions: an import has no upgrade records to answer.
    now, moved_in = datetime.now(UTC), awaiting(tenant_id) if transitions else {}
    rows = [_read(known[r.id], r, transitions) for r in remotes if r.id in known]
    # Sources first, then new rows last: a row seats moved into knows them (R4).
    for row in sorted(rows, key=lambda row: not moved_out_since_seen(row.sub,
                                                                      row.moves or ())):
        _mirror_known(row, now, into, moved_in, listed_at)
    # B1: the sync's adoption is seen now (an import's is of a base billed elsewhere).
    seen = seen_mark(now) if transitions else None
    new = [r for r in remotes if r.id not in known]
    adopted, waiting = to_adopt(tenant_id, new, transitions, [
        row.sub.pc_subscription_id for row in rows if row.moves is None])
    into.subscriptions.skipped += len(new) - len(adopted)  # adopted by the next pass
    for remote, moves in adopted:
        _adopt(remote, tenant_id, owners, products, into, now, seen, moved_in, moves,
               listed_at)
    return waiting


def _read(sub: Subscription, remote: RemoteSubscription,
          transitions: Transitions | None) -> _Read:
    return _Read(sub, remote, _transitions_of(sub, remote, transitions))


def _mirror_known(row: _Read, now: datetime, into: Findings, moved_in: Awaiting,
                  listed_at: datetime | None) -> None:
    """Mirror one known row and write what Partner Center changed on it as billed; its
    upgrades seen join `moved_in`, by the Partner Center id of the row they moved into, and
    those into it are answered (subscriptions.moved_in)."""
    sub, remote = row.sub, row.remote
    # Its transitions not answered, or the row newer than the list (judged as committed):
    # it waits, unchanged, for the next pass.
    if row.moves is None or newer_than_list(sub, remote, listed_at):
        into.subscriptions.skipped += 1
        return
    changes = mirror_seen(sub, remote, now, row.moves, moved_in, listed_at)
    if not changes:
        into.subscriptions.skipped += 1
        return
    into.subscriptions.updated += 1
    sub.record("synced", "Changed in Partner Center: " + "; ".join(changes) + ".")


def mirror_seen(sub: Subscription, remote: RemoteSubscription, now: datetime,
                moves: Sequence[Transition], moved_in: Awaiting,
                listed_at: datetime | None = None) -> list[str]:
    """Mirror `remote` onto the row, first writing what Partner Center changed on it as
    billed (B2/B3, R4: `moves` its transitions, `moved_in` the upgrade records awaiting
    their target); answers the changes, in words. The sync's pass (`listed_at`: its list's
    time, `mirror`) and a storefront write that mirrors Partner Center's answer
    (subscriptions.write_answer) both judge so."""
    upgrades = sorted(moved_in.pop(remote.id, []), key=lambda e: as_utc(e.at))
    made = bool(upgrades) and made_by(sub, upgrades[0])
    if upgrades:
        db.session.flush()  # the sources' record ids its own name
    seen = billable(sub, remote, now, transitions=moves,
                    moved_in=() if made else upgrades)  # before the mirror
    changes = mirror(sub, remote, listed_at)
    if made:  # adopted as a purchase of its own before its source's upgrade was seen
        link_made(sub, upgrades, now)
        changes.append("billed as the subscription an upgrade made")
    elif upgrades:  # answered by the seats received, or billed before: never twice
        settle(sub, upgrades)
    _await(_record_seen(sub, seen), moved_in)
    return changes


def _transitions_of(sub: Subscription, remote: RemoteSubscription,
                    transitions: Transitions | None) -> Sequence[Transition] | None:
    """R4: the row's transitions when its seats changed (one more call, only then); None
    when Partner Center did not answer and may later: judging the change without them could
    bill an upgrade as seats kept or added, and a change seen later is still billed from
    its day."""
    if transitions is None or not may_have_moved(sub, remote):
        return ()
    return read_transitions(sub.pc_subscription_id, transitions)


def _await(events: list[SubscriptionEvent], moved_in: Awaiting) -> None:
    """R4: the upgrade records among `events` join `moved_in` by the Partner Center id of
    the row they await (subscriptions.moved_in)."""
    for event in events:
        if event.kind == "upgrade" and event.data.get("awaits"):
            moved_in.setdefault(event.data["awaits"], []).append(event)


def _record_seen(sub: Subscription, seen: list[Seen]) -> list[SubscriptionEvent]:
    """The history rows billing charges, dated when Partner Center made the change."""
    events = []
    for change in seen:
        event = sub.record(change.kind, change.note, data=change.data)
        event.at = change.at
        events.append(event)
    return events


def _adopt(remote: RemoteSubscription, tenant_id: str, owners: Sequence[Owner],
           products: ProductIndex, into: Findings, now: datetime, seen: dict | None,
           moved_in: Awaiting, moves: Sequence[Transition],
           listed_at: datetime | None = None) -> None:
    """A new local row for a subscription made outside the storefront, or its reason not,
    stamped with its list's time (`listed_at`, `mirror`); `seen`: the sync's mark on its
    record; `moved_in`: the sources' records of the upgrades
    in Partner Center awaiting their target (R4); `moves`: its own transitions, read when
    it may have been upgraded away."""
    upgrades = moved_in.pop(remote.id, [])
    try:
        sub = adopt(remote, tenant_id, owners, products, seen)
    except Unmatched as why:
        into.subscriptions.unmatched += 1
        into.reasons.note(str(why))
        return
    mirror(sub, remote, listed_at)
    upgrades = sorted(upgrades, key=lambda e: as_utc(e.at))
    if upgrades and made_by(sub, upgrades[0]):
        link_made(sub, upgrades, now)
    elif upgrades:  # held before, never seen: its seats are billed as it stands
        settle(sub, upgrades)
    if remote.status == DELETED:
        _found_deleted(sub, moves, now, seen, moved_in)
    into.subscriptions.created += 1


def _found_deleted(sub: Subscription, moves: Sequence[Transition], now: datetime,
                   seen: dict | None, moved_in: Awaiting) -> None:
    """A row adopted already deleted: every seat upgraded away is the upgrade's source
    (R4, subscriptions.adopted_upgraded), its records awaiting the row the seats moved
    into; else a cancellation, after which no cycle is billed (S3)."""
    upgraded = upgraded_away(sub, moves, now)
    if upgraded:
        _await(_record_seen(sub, upgraded), moved_in)
    else:
        record_found_cancelled(sub, now, seen)


def sync_tenant(tenant_id: str, client: PartnerCenterClient, products: ProductIndex,
                first: int | None = None) -> SyncReport:
    """Refresh every local row of one customer tenant and adopt its new subscriptions; the
    caller commits. `first` is the customer that owns what no rule assigns elsewhere."""
    report, listed_at = SyncReport(customers=1), listed_now()
    # Older software is only in the orders list (order_sync), so both are read.
    remotes = with_orders(client, tenant_id, client.list_subscriptions(tenant_id), products)
    known = known_subscriptions(r.id for r in remotes)
    report.waited = mirror_tenant(
        tenant_id, remotes, owners_of(tenant_id, first), known, products, report,
        lambda pc_id: client.get_transitions(tenant_id, pc_id), listed_at)
    _entitlements(client, tenant_id, first)
    return report


def _entitlements(client: PartnerCenterClient, tenant_id: str, first: int | None) -> None:
    """S7: refresh the software entitlements admins record keys against, for tenants that
    bought software (one more App+User read; cancelled ones lose their keys, S6)."""
    software = db.session.scalars(select(Subscription).where(
        Subscription.tenant_id == tenant_id,
        Subscription.family.in_((PERPETUAL, "software_subscription")))).first()
    if software is None:
        return
    try:
        mirror_entitlements(client, first or software.customer_id, tenant_id)
    except PartnerCenterError as error:
        # The read comes before any write: the subscriptions synced above still stand.
        log.warning("entitlements of tenant %s not read: %s", tenant_id, error)


def sync_customer(customer: Customer, client: PartnerCenterClient,
                  products: ProductIndex | None = None) -> SyncReport:
    """Refresh one customer's tenant; subscriptions bought in Partner Center since are
    adopted (by default for this customer), not skipped. The caller commits."""
    return sync_tenant(customer.tenant_id, client, products or ProductIndex.load(),
                       first=customer.id)


def sync_all(client: PartnerCenterClient) -> SyncReport:
    """Refresh every customer tenant, committing each; one tenant failing does not stop the
    rest (nor lose what the others brought)."""
    total, products = SyncReport(), ProductIndex.load()
    tenants = db.session.scalars(select(Customer.tenant_id).where(Customer.tenant_id != "")
                                 .distinct().order_by(Customer.tenant_id)).all()
    for tenant_id in tenants:
        try:
            one = sync_tenant(tenant_id, client, products)
            db.session.commit()
        except (PartnerCenterError, IntegrityError):
            # Partner Center did not answer, or an import adopted the same subscription
            # meanwhile (pc_subscription_id is unique): the next pass picks it up.
            db.session.rollback()
            total.failed += 1
            continue
        total.add(one)
    return total
