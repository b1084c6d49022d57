"""Adopt a provider's existing Partner Center customer base (issue #17).

A provider that already sells through Partner Center starts with customers and
subscriptions the storefront did not create. The import reads every customer, page by
page, and makes the local records match, idempotently:

- Customers are matched by (tenant, reseller). Partner Center names a customer's indirect
  resellers (its relationships); each is the local reseller with the same MPN ID. A reseller
  the storefront does not have is reported and its customer is not imported: never silently
  made direct. A customer with no indirect reseller is direct, unless the storefront already
  has the tenant; then the storefront's own records stand (filled in, not duplicated).
- A new customer takes Partner Center's company name, domain and billing address, on its
  existing tenant. A matched one only gets what it lacks: the storefront's data is kept.
- Approved qualifications become segment qualifications with source "partner_center"; one
  Partner Center no longer approves is removed (an admin's own entries are left alone).
- Subscriptions follow subscriptions.matching, the rules every later sync applies too.

Each page is written and committed before the next is read, and its rows leave the
session: memory holds one page, the reseller and product lookups, and the counts. A crash
loses at most the page in flight; a re-run matches what earlier runs wrote, so nothing is
created twice (pc_subscription_id is unique; import_runs lets one import run at a time).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from accounts.models import Customer, Reseller
from connectors.partner_center import PartnerCenterClient
from connectors.partner_center.commerce_types import Subscription as RemoteSubscription
from connectors.partner_center.types import Customer as RemoteCustomer
from connectors.partner_center.types import PartnerRelationship
from persistence import db
from subscriptions import adoption_records as records
from subscriptions.matching import Owner, ProductIndex, Reasons, Tally, chunks, known_subscriptions
from subscriptions.mirrored_at import listed_now
from subscriptions.order_sync import with_orders
from subscriptions.sync import mirror_tenant

# Customers per page: Partner Center's default is 500, but a page costs three calls per
# customer, and the run's heartbeat is written once a page (import_runs.STALE_AFTER).
PAGE_SIZE = 100


@dataclass
class ImportSummary:
    """What an import found so far: pages and customers read, outcomes, reasons."""

    pages: int = 0
    customers_read: int = 0
    customers: Tally = field(default_factory=Tally)
    subscriptions: Tally = field(default_factory=Tally)
    reasons: Reasons = field(default_factory=Reasons)

    def add(self, page: ImportSummary) -> None:
        """Fold a committed page in."""
        self.customers.add(page.customers)
        self.subscriptions.add(page.subscriptions)
        self.reasons.add(page.reasons)

    def as_dict(self) -> dict[str, Any]:
        """JSON for the run's row (the admin page reads it back)."""
        return {"pages": self.pages, "customers_read": self.customers_read,
                "customers": asdict(self.customers),
                "subscriptions": asdict(self.subscriptions),
                "reasons": dict(self.reasons.counts), "more_reasons": self.reasons.more}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImportSummary:
        return cls(pages=data.get("pages", 0), customers_read=data.get("customers_read", 0),
                   customers=Tally(**data.get("customers", {})),
                   subscriptions=Tally(**data.get("subscriptions", {})),
                   reasons=Reasons(dict(data.get("reasons", {})), data.get("more_reasons", 0)))

    def lines(self) -> list[str]:
        """The summary in words, for the command line."""
        pages = f"{self.pages} page" + ("" if self.pages == 1 else "s")
        out = [f"Read {self.customers_read} customers in {pages}."]
        for kind, tally in (("Customers", self.customers), ("Subscriptions", self.subscriptions)):
            out.append(f"{kind}: {tally.created} created, {tally.updated} updated, "
                       f"{tally.skipped} already current, {tally.unmatched} not imported.")
        if self.reasons.counts:
            out.append("Not imported:")
            out += [f"  - {reason} ({times}×)" for reason, times in self.reasons.counts.items()]
        if self.reasons.more:
            out.append(f"  … and {self.reasons.more} more for other reasons.")
        return out


@dataclass(frozen=True)
class Lookups:
    """The small dicts a whole run keeps: local resellers by MPN and back, the catalog."""

    reseller_ids: dict[str, int]
    reseller_mpns: dict[int, str]
    products: ProductIndex

    @classmethod
    def load(cls) -> Lookups:
        rows = db.session.execute(select(Reseller.id, Reseller.mpn_id)
                                  .where(Reseller.mpn_id != "").order_by(Reseller.id)).all()
        by_mpn: dict[str, int] = {}
        for reseller_id, mpn in rows:
            by_mpn.setdefault(mpn.strip(), reseller_id)  # the oldest of a duplicated MPN
        return cls(by_mpn, {rid: mpn.strip() for rid, mpn in rows}, ProductIndex.load())


@dataclass(frozen=True)
class RemoteTenant:
    """One customer as Partner Center shows it, read in full before anything is written.

    `keys` are the local resellers (None: direct) it is to be kept under; `unknown` are the
    indirect resellers the storefront does not have; `listed_at` when its subscriptions
    were asked for (a row a storefront write stamped since waits for the sync,
    subscriptions.mirrored_at)."""

    customer: RemoteCustomer
    keys: tuple[int | None, ...]
    unknown: tuple[PartnerRelationship, ...] = ()
    segments: frozenset[str] = frozenset()
    subscriptions: tuple[RemoteSubscription, ...] = ()
    listed_at: datetime | None = None


def import_customers(client: PartnerCenterClient, *, page_size: int = PAGE_SIZE,
                     on_page: Callable[[ImportSummary], None] | None = None) -> ImportSummary:
    """Import every Partner Center customer with its reseller, qualifications and
    subscriptions; `on_page` hears the running summary after each committed page."""
    total, lookups = ImportSummary(), Lookups.load()
    stream = client.list_customers(size=page_size)  # streamed: one page held at a time
    while batch := list(islice(stream, page_size)):
        tenants = _read(client, batch, lookups)
        total.add(_commit_page(tenants, lookups))
        total.pages += 1
        total.customers_read += len(batch)
        if on_page is not None:
            on_page(total)
    return total


def _read(client: PartnerCenterClient, batch: Sequence[RemoteCustomer],
          lookups: Lookups) -> list[RemoteTenant]:
    """Everything Partner Center says about a page of customers (no write in between)."""
    local = _local_resellers([c.id for c in batch])
    return [_read_one(client, c, local.get(c.id, set()), lookups) for c in batch]


def _local_resellers(tenant_ids: list[str]) -> dict[str, set[int | None]]:
    """tenant → the resellers (None: direct) the storefront already keeps it under."""
    found: dict[str, set[int | None]] = {}
    for part in chunks(tenant_ids):
        for tenant_id, reseller_id in db.session.execute(
                select(Customer.tenant_id, Customer.reseller_id)
                .where(Customer.tenant_id.in_(part))):
            found.setdefault(tenant_id, set()).add(reseller_id)
    return found


def _read_one(client: PartnerCenterClient, customer: RemoteCustomer,
              local: set[int | None], lookups: Lookups) -> RemoteTenant:
    """One customer's relationships, then, when it can be kept, its profile, qualifications
    and subscriptions: an unmatched customer costs a single call."""
    relationships = client.list_customer_relationships(customer.id)
    keys, unknown = _keys(relationships, local, lookups)
    if not keys:
        return RemoteTenant(customer, (), unknown)
    if customer.address is None and any(k not in local for k in keys):
        # Partner Center's list leaves out the billing profile: read it for a new record.
        customer = client.get_customer(customer.id)
    segments = records.segments(client.get_qualifications(customer.id))
    listed_at = listed_now()
    listed = client.list_subscriptions(customer.id)  # older software: orders only
    return RemoteTenant(customer, keys, unknown, segments,
                        tuple(with_orders(client, customer.id, listed, lookups.products)),
                        listed_at)


def _keys(relationships: Sequence[PartnerRelationship], local: set[int | None],
          lookups: Lookups) -> tuple[tuple[int | None, ...], tuple[PartnerRelationship, ...]]:
    """The local resellers to keep the customer under, and the resellers we do not have."""
    if not relationships:  # direct, unless the storefront already keeps the tenant
        return (tuple(sorted(local, key=lambda r: (r is not None, r or 0))) or (None,)), ()
    found = [lookups.reseller_ids.get(r.mpn_id.strip()) for r in relationships]
    keys = tuple(dict.fromkeys(k for k in found if k is not None))
    return keys, tuple(r for r, k in zip(relationships, found, strict=True) if k is None)


def _commit_page(tenants: list[RemoteTenant], lookups: Lookups) -> ImportSummary:
    """Write and commit one page. A row another writer inserted meanwhile (a sync adopting
    the same subscription) fails the commit: the page is written once more, and matches
    that row this time."""
    try:
        return _write_page(tenants, lookups)
    except IntegrityError:
        return _write_page(tenants, lookups)


def _write_page(tenants: list[RemoteTenant], lookups: Lookups) -> ImportSummary:
    """One page in one transaction; its rows leave the session afterwards."""
    before = set(db.session.identity_map.keys())
    try:
        page = _write(tenants, lookups)
        db.session.commit()
        return page
    except IntegrityError:
        db.session.rollback()
        raise
    finally:
        _forget(before)


def _forget(before: set) -> None:
    """Drop this page's rows from the session, so memory does not grow with pages (rows
    the caller held before the page stay)."""
    for key in set(db.session.identity_map.keys()) - before:
        row = db.session.identity_map.get(key)
        if row is not None:
            db.session.expunge(row)


def _write(tenants: list[RemoteTenant], lookups: Lookups) -> ImportSummary:
    """Customers first (flushed for their ids), then every subscription of the page."""
    page = ImportSummary()
    local = _local_customers([t.customer.id for t in tenants if t.keys])
    placed = {t.customer.id: _place(t, local.get(t.customer.id, []), page) for t in tenants}
    db.session.flush()
    known = known_subscriptions(s.id for t in tenants for s in t.subscriptions)
    for tenant in tenants:
        owners = [Owner(c.id, c.reseller_id, lookups.reseller_mpns.get(c.reseller_id, ""))
                  for c in placed[tenant.customer.id]]
        mirror_tenant(tenant.customer.id, tenant.subscriptions, owners, known,
                      lookups.products, page, listed_at=tenant.listed_at)
    return page


def _local_customers(tenant_ids: list[str]) -> dict[str, list[Customer]]:
    """tenant → its local customers (oldest first), qualifications loaded in the same go."""
    found: dict[str, list[Customer]] = {}
    for part in chunks(tenant_ids):
        for customer in db.session.scalars(
                select(Customer).options(selectinload(Customer.qualifications))
                .where(Customer.tenant_id.in_(part)).order_by(Customer.id)):
            found.setdefault(customer.tenant_id, []).append(customer)
    return found


def _place(tenant: RemoteTenant, local: list[Customer], page: ImportSummary) -> list[Customer]:
    """Match or create the tenant's customer under each of its resellers; answer every
    local customer of the tenant, the matched ones first (they own its subscriptions)."""
    for reseller in tenant.unknown:
        page.customers.unmatched += 1
        page.reasons.note(f"reseller {reseller.name} (MPN {reseller.mpn_id}) is not in the "
                          "storefront — add it under Resellers, then import again")
    placed = []
    for key in tenant.keys:
        found = next((c for c in local if c.reseller_id == key), None)
        if found is None:
            found = records.new_customer(tenant.customer, key, tenant.segments)
            page.customers.created += 1
        elif records.refresh(found, tenant.customer, tenant.segments):
            page.customers.updated += 1
        else:
            page.customers.skipped += 1
        placed.append(found)
    return placed + [c for c in local if c not in placed]
