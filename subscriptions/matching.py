"""Where a Partner Center subscription belongs locally: its catalog product and its customer.

One policy for the import of an existing customer base and for every later sync:
- A remote subscription is known by its id (`pc_subscription_id` is unique): a known one is
  mirrored, never created twice.
- A new one needs the catalog product whose Partner Center id is the first segment of its
  offerId (CFQ7TTC0LH18:0001:…); without one it is reported, never guessed.
- It belongs to the tenant's local customer whose reseller has the subscription's partnerId
  (the MPN, K8); with no partnerId, to the tenant's direct customer; otherwise to the first
  customer the caller names for the tenant (the one the import matched or created, or the
  one being synced).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from accounts.models import Customer, Reseller
from catalog.models import Product
from connectors.partner_center.commerce_types import Subscription as RemoteSubscription
from persistence import db
from persistence.money import add_months
from subscriptions.models import Subscription
from subscriptions.rules import TERM_MONTHS

MAX_REASONS = 20  # distinct reasons kept; a base of thousands must not grow the summary
IN_CHUNK = 500  # ids per IN (...) query: far below SQLite's and PostgreSQL's limits


class Unmatched(Exception):
    """A Partner Center record with no local home; the message says what the provider can do."""


@dataclass
class Tally:
    """What became of the remote records of one kind.

    created: a new local row; updated: a local row changed; skipped: already current, nothing
    written; unmatched: no local home (see the reasons)."""

    created: int = 0
    updated: int = 0
    skipped: int = 0
    unmatched: int = 0

    @property
    def seen(self) -> int:
        return self.created + self.updated + self.skipped + self.unmatched

    def add(self, other: Tally) -> None:
        """Fold a committed page's counts in."""
        for name in ("created", "updated", "skipped", "unmatched"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Reasons:
    """Why records were unmatched, each reason once with how often; bounded, so a run over a
    large base keeps at most MAX_REASONS of them and counts the rest in `more`."""

    counts: dict[str, int] = field(default_factory=dict)
    more: int = 0

    def note(self, reason: str, times: int = 1) -> None:
        if reason in self.counts or len(self.counts) < MAX_REASONS:
            self.counts[reason] = self.counts.get(reason, 0) + times
        else:
            self.more += times

    def add(self, other: Reasons) -> None:
        """Fold a committed page's reasons in."""
        for reason, times in other.counts.items():
            self.note(reason, times)
        self.more += other.more


class Findings(Protocol):
    """Where subscription outcomes are counted: a sync's report or an import's summary."""

    subscriptions: Tally
    reasons: Reasons


@dataclass(frozen=True)
class Owner:
    """A local customer that may own a tenant's subscriptions, with its reseller's MPN."""

    customer_id: int
    reseller_id: int | None
    mpn_id: str  # "" for a direct customer


@dataclass(frozen=True)
class CatalogProduct:
    id: int
    title: str
    family: str


class ProductIndex:
    """Catalog products by Partner Center product id: one small dict for a whole run, so
    matching a subscription costs no query."""

    def __init__(self, products: dict[str, CatalogProduct]) -> None:
        self._products = products

    @classmethod
    def load(cls) -> ProductIndex:
        rows = db.session.execute(select(Product.pc_product_id, Product.id, Product.title,
                                         Product.family))
        return cls({pc_id.upper(): CatalogProduct(pk, title, family)
                    for pc_id, pk, title, family in rows})

    def find(self, offer_id: str) -> CatalogProduct:
        """The product of an offerId like CFQ7TTC0LH18:0001:CFQ7TTC0K5DJ, or Unmatched."""
        pc_id = offer_id.split(":")[0].upper()
        found = self._products.get(pc_id)
        if found is None:
            raise Unmatched(f"product {pc_id or '(none)'} is not in the catalog — run "
                            "`flask catalog sync` (or import its price list) and import again")
        return found


def chunks(values: Sequence[str], size: int = IN_CHUNK) -> Iterator[Sequence[str]]:
    """Slices of `values` for IN (...) queries."""
    for start in range(0, len(values), size):
        yield values[start:start + size]


def known_subscriptions(ids: Iterable[str]) -> dict[str, Subscription]:
    """Local rows of these Partner Center subscription ids, whichever customer holds them;
    their keys come along (mirroring a perpetual one asks for them)."""
    wanted = sorted(set(ids))
    return {s.pc_subscription_id: s for part in chunks(wanted) for s in db.session.scalars(
        select(Subscription).options(selectinload(Subscription.keys))
        .where(Subscription.pc_subscription_id.in_(part)))}


def owners_of(tenant_id: str, first: int | None = None) -> list[Owner]:
    """Every local customer of a tenant, `first` (a customer id) leading, then by age."""
    rows = db.session.execute(
        select(Customer.id, Customer.reseller_id, Reseller.mpn_id)
        .outerjoin(Reseller, Customer.reseller_id == Reseller.id)
        .where(Customer.tenant_id == tenant_id).order_by(Customer.id))
    owners = [Owner(cid, rid, mpn or "") for cid, rid, mpn in rows]
    return sorted(owners, key=lambda o: o.customer_id != first)


def pick_owner(owners: Sequence[Owner], partner_id: str) -> Owner:
    """The customer a subscription belongs to (see the module's policy)."""
    if partner_id:
        by_mpn = next((o for o in owners if o.mpn_id == partner_id), None)
        if by_mpn is not None:
            return by_mpn
    else:
        direct = next((o for o in owners if o.reseller_id is None), None)
        if direct is not None:
            return direct
    return owners[0]


def adopt(remote: RemoteSubscription, tenant_id: str, owners: Sequence[Owner],
          products: ProductIndex, seen: dict | None = None) -> Subscription:
    """A new local row for a subscription the storefront did not create; the caller mirrors
    its live values onto it and commits. `seen`: the hourly sync's mark on its record (when
    it learnt of it), which billing charges missed cycles by (billing.missed_cycles); an
    import's adoption has none."""
    product = products.find(remote.offer_id)
    if not owners:
        raise Unmatched(f"customer tenant {tenant_id} is not in the storefront")
    owner = pick_owner(owners, remote.partner_id)
    parts = remote.offer_id.split(":")
    sub = Subscription(
        customer_id=owner.customer_id, reseller_id=owner.reseller_id, product_id=product.id,
        tenant_id=tenant_id, pc_subscription_id=remote.id, pc_order_id=remote.order_id,
        offer_id=remote.offer_id, pc_product_id=parts[0],
        pc_sku_id=parts[1] if len(parts) > 1 else "", title=product.title,
        family=product.family, billing_cycle=remote.billing_cycle,
        term_duration=remote.term_duration, partner_id=remote.partner_id,
        purchased_at=remote.created or datetime.now(UTC), term_start=running_term_start(remote))
    sub.record("imported", "Found in Partner Center; bought outside this storefront.",
               data=seen)
    db.session.add(sub)
    return sub


def running_term_start(remote: RemoteSubscription) -> datetime | None:
    """The first day of the term running now: a subscription bought two years ago on a
    yearly term and renewed since is in its third term, whose first day S3's cancel window
    and refunds count from, not its creation. Partner Center reports the running term's
    end (commitmentEndDate) but not its start, so it is that end less one term, and never
    before the purchase (a first term cut short to co-term, R6, or one not yet over)."""
    months = TERM_MONTHS.get(remote.term_duration)
    if remote.term_end is None or months is None:
        return remote.created
    began = datetime.combine(add_months(remote.term_end.astimezone(UTC).date(), -months),
                             time(), UTC)
    return began if remote.created is None or began > remote.created else remote.created
