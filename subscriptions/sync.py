"""Refresh the local mirror from Partner Center, so changes made elsewhere show up here.

`sync_all(client)` is what `flask subscriptions sync` and a periodic Celery job call: for
every customer tenant the storefront has, it lists the tenant's subscriptions (and the
older software only its orders return, see subscriptions.order_sync), copies
quantity, status, autorenew and the term dates onto the local rows (a SubscriptionEvent for
each change it saw), and adopts the subscriptions bought in Partner Center since, with the
matching rules of subscriptions.matching (the import of an existing base uses the same).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from accounts.models import Customer
from catalog.models import Product
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
from subscriptions.mirrored_at import (
    listed_now,
    mirror_refundable,
    mirrored_now,
    newer_than_list,
)
from subscriptions.models import RenewedTerm, Subscription, SubscriptionEvent
from subscriptions.moved_in import Awaiting, awaiting, link_made, made_by, settle
from subscriptions.order_sync import with_orders
from subscriptions.rules import PERPETUAL
from subscriptions.seen_at_renewal import billable, renews
from subscriptions.seen_changes import (
    DELETED,
    Seen,
    may_have_moved,
    moved_out_since_seen,
    seen_mark,
)
from subscriptions.term_prices import (
    buyer_unit_price,
    price_of,
    retail_unit_price,
    term_unit_price,
)
from subscriptions.transition_reads import Transitions, read_transitions, to_adopt

log = logging.getLogger(__name__)
# Partner Center calls a cancelled subscription "deleted".
STATUS = {"deleted": "cancelled"}
WATCHED = (("quantity", "quantity"), ("status", "status"), ("autorenew", "autorenew"))
TERMS, CYCLES = ("P1M", "P1Y", "P3Y"), ("monthly", "annual", "triennial")


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


def _remote_values(remote: RemoteSubscription) -> dict[str, object]:
    return {"quantity": remote.quantity, "status": STATUS.get(remote.status, remote.status),
            "autorenew": remote.auto_renew_enabled}


def mirror(sub: Subscription, remote: RemoteSubscription,
           listed_at: datetime | None = None) -> list[str]:
    """Copy Partner Center's view onto the local row; answer the changes, in words. From
    a list, the row is stamped with the time the list was asked for (`listed_at`), not the
    mirror's: a change Partner Center made between the two (an upgrade's conversion
    completing) is not in the list, and the next pass judges it as made since."""
    changes = []
    _keep_bought_term(sub, remote)
    values = _remote_values(remote)
    for attr, label in WATCHED:
        if getattr(sub, attr) != values[attr]:
            changes.append(f"{label} {getattr(sub, attr)} → {values[attr]}")
            setattr(sub, attr, values[attr])
    renewed = _renewal(sub, remote, changes)
    _offer(sub, remote, changes)
    _terms(sub, remote, changes)
    if renewed:
        _price_renewed_term(sub, changes)
    if remote.cancellation_allowed_until:
        sub.cancellation_allowed_until = remote.cancellation_allowed_until
    mirror_refundable(sub, remote)
    if listed_at is None:
        mirrored_now(sub)
    else:
        sub.synced_at = listed_at
    return changes


def _renewal(sub: Subscription, remote: RemoteSubscription, changes: list[str]) -> bool:
    """A later commitment end means a new term began where the old one ended (S3 restarts);
    answers whether one did. A subscription with no term never renews: Partner Center
    reports a date far in the future as its commitment end, which the order's own answer
    may not have carried."""
    new_end, old_end = as_utc(remote.term_end), as_utc(sub.term_end)
    if new_end is None:
        return False
    renewed = renews(sub, remote)
    if renewed:
        sub.term_start = old_end
        # Dated as Microsoft dates a term: its first and its last day (inclusive).
        last_day = new_end - timedelta(seconds=1)
        changes.append(f"renewed: new term {old_end:%Y-%m-%d} – {last_day:%Y-%m-%d}")
    sub.term_end = new_end
    return renewed


def _keep_bought_term(sub: Subscription, remote: RemoteSubscription) -> None:
    """B2/R1: a subscription with no order line here (imported from Partner Center) has no
    record of the term it was bought on but the mirror's own term, billing and price, which
    its first renewal overwrites. Kept now, from its purchase day at the price billing has
    charged it, so a seat change or a cycle of that term billed after the renewal is priced
    by the term in force on its day, as an ordered one is by its order line."""
    if sub.order_line_id is not None or sub.renewed_on is not None \
            or not renews(sub, remote):
        return
    price = price_of(sub)  # before the renewal moves its term start, term and billing
    sub.renewed_terms.append(RenewedTerm(
        began_on=as_utc(sub.purchased_at).astimezone(UTC).date(),
        billing_cycle=sub.billing_cycle, term_duration=sub.term_duration,
        product_id=sub.product_id, pc_sku_id=sub.pc_sku_id,
        unit_price=None if price is None else buyer_unit_price(sub, price),
        retail_unit_price=None if price is None else retail_unit_price(sub, price)))


def _price_renewed_term(sub: Subscription, changes: list[str]) -> None:
    """R1/B1: the renewed term (its plan, term and billing as the renewal applied them) is
    billed from its first day at the price the renewal reminder quoted for it, recorded now
    so a later catalog change does not reprice a term already running, and kept with the
    earlier terms so a month billed after a later renewal still finds its own price."""
    sub.renewed_on = as_utc(sub.term_start).astimezone(UTC).date()
    # The row selling on the term's first day, not today's: the sync may see the renewal
    # days late, after a newer row started (catalog/effective.py).
    day = sub.renewed_on
    unit, _ = term_unit_price(sub, sub.term_duration, sub.billing_cycle, day=day)
    if unit is None:  # not sold for that term here: the price it was billed at stays
        changes.append("no catalog price for the renewed term: billed at the previous price")
    else:
        sub.renewed_unit_price = unit
        sub.renewed_retail_unit_price, _ = term_unit_price(
            sub, sub.term_duration, sub.billing_cycle, day=day, retail=True)
    _keep_term(sub)


def _keep_term(sub: Subscription) -> None:
    """The renewed term as billing charges it, beside the earlier ones (one per first day)."""
    term = next((t for t in sub.renewed_terms if t.began_on == sub.renewed_on), None)
    if term is None:
        term = RenewedTerm(began_on=sub.renewed_on)
        sub.renewed_terms.append(term)
    term.billing_cycle, term.term_duration = sub.billing_cycle, sub.term_duration
    # The plan the renewal applied (_offer ran first): a later renewal may change it (B6).
    term.product_id, term.pc_sku_id = sub.product_id, sub.pc_sku_id
    term.unit_price = sub.renewed_unit_price
    term.retail_unit_price = sub.renewed_retail_unit_price


def _offer(sub: Subscription, remote: RemoteSubscription, changes: list[str]) -> None:
    """R1/R4: a renewal that applied another plan moves the row to that plan's catalog
    product (its title and prices follow); a plan the catalog lacks is left as it was."""
    product_id, sku_id = (remote.offer_id.split(":") + [""])[:2]
    if not (product_id and sub.pc_product_id) or sub.family == PERPETUAL or (
            product_id.upper(), sku_id) == (sub.pc_product_id.upper(), sub.pc_sku_id):
        return
    product = db.session.scalars(select(Product).where(
        Product.pc_product_id == product_id)).first()
    if product is None:
        return
    changes.append(f"plan {sub.title} → {product.title}")
    sub.product_id, sub.product, sub.title, sub.family = product.id, product, product.title, \
        product.family
    sub.offer_id, sub.pc_product_id, sub.pc_sku_id = remote.offer_id, product_id, sku_id


def next_term_words(remote: RemoteSubscription) -> dict[str, object] | None:
    """R1: Partner Center's scheduled next-term instructions as the local row keeps them."""
    planned = remote.next_term
    if planned is None:
        return None
    return {"quantity": planned.quantity, "term_duration": planned.term_duration,
            "billing_cycle": planned.billing_cycle, "pc_product_id": planned.product_id,
            "pc_sku_id": planned.sku_id, "availability_id": planned.availability_id}


def _terms(sub: Subscription, remote: RemoteSubscription, changes: list[str]) -> None:
    """A renewal may bring another term and billing (R1); the schedule shows until then;
    the suspension reason (R5) is kept only while suspended."""
    if sub.family != PERPETUAL and remote.term_duration in TERMS \
            and remote.billing_cycle in CYCLES:
        for attr, value in (("term_duration", remote.term_duration),
                            ("billing_cycle", remote.billing_cycle)):
            if getattr(sub, attr) != value:
                changes.append(f"{attr.replace('_', ' ')} {getattr(sub, attr)} → {value}")
                setattr(sub, attr, value)
    planned = next_term_words(remote)
    if (sub.next_term or None) != planned:
        changes.append("next-term change " + ("scheduled" if planned else "cleared"))
        sub.next_term = planned
    if sub.status != "suspended":
        sub.suspension_reason = ""


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
