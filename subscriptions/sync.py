"""Refresh the local mirror from Partner Center, so changes made elsewhere show up here.

`sync_all(client)` is what `flask subscriptions sync` and a periodic Celery job call: it
lists every customer tenant's subscriptions and copies quantity, status, autorenew and the
term dates onto the local rows, writing a SubscriptionEvent for each change it saw.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from accounts.models import Customer
from connectors.partner_center import PartnerCenterClient
from connectors.partner_center.commerce_types import Subscription as RemoteSubscription
from connectors.partner_center.errors import PartnerCenterError
from persistence import db
from subscriptions.keys import issue_software_key
from subscriptions.models import Subscription
from subscriptions.rules import PERPETUAL

# Partner Center calls a cancelled subscription "deleted".
STATUS = {"deleted": "cancelled"}
WATCHED = (("quantity", "quantity"), ("status", "status"), ("autorenew", "autorenew"))


@dataclass
class SyncReport:
    """What one sync pass did."""

    customers: int = 0
    seen: int = 0
    changed: int = 0
    failed: int = 0


def _remote_values(remote: RemoteSubscription) -> dict[str, object]:
    return {"quantity": remote.quantity, "status": STATUS.get(remote.status, remote.status),
            "autorenew": remote.auto_renew_enabled}


def mirror(sub: Subscription, remote: RemoteSubscription) -> list[str]:
    """Copy Partner Center's view onto the local row; answer the changes, in words."""
    changes = []
    values = _remote_values(remote)
    for attr, label in WATCHED:
        if getattr(sub, attr) != values[attr]:
            changes.append(f"{label} {getattr(sub, attr)} → {values[attr]}")
            setattr(sub, attr, values[attr])
    _renewal(sub, remote, changes)
    if remote.cancellation_allowed_until:
        sub.cancellation_allowed_until = remote.cancellation_allowed_until
    sub.synced_at = datetime.now(UTC)
    if sub.family == PERPETUAL and sub.status == "active" and not sub.keys:
        issue_software_key(sub)  # the sandbox has no key service: the demo gets one here
    return changes


def _renewal(sub: Subscription, remote: RemoteSubscription, changes: list[str]) -> None:
    """A later commitment end means a new term began where the old one ended (S3 restarts)."""
    new_end, old_end = _utc(remote.commitment_end), _utc(sub.term_end)
    if new_end is None:
        return
    if old_end is not None and new_end > old_end and sub.family != PERPETUAL:
        sub.term_start = old_end
        changes.append(f"renewed: new term {old_end:%Y-%m-%d} – {new_end:%Y-%m-%d}")
    sub.term_end = new_end


def _utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes: they are UTC."""
    return moment.replace(tzinfo=UTC) if moment and moment.tzinfo is None else moment


def sync_customer(customer: Customer, client: PartnerCenterClient) -> SyncReport:
    """Refresh the local rows of one customer tenant; unknown remote ids are left alone."""
    report = SyncReport(customers=1)
    local = {s.pc_subscription_id: s for s in db.session.scalars(
        select(Subscription).where(Subscription.customer_id == customer.id,
                                   Subscription.pc_subscription_id.is_not(None)))}
    for remote in client.list_subscriptions(customer.tenant_id):
        sub = local.get(remote.id)
        if sub is None:
            continue
        report.seen += 1
        changes = mirror(sub, remote)
        if changes:
            report.changed += 1
            sub.record("synced", "Changed in Partner Center: " + "; ".join(changes) + ".")
    return report


def sync_all(client: PartnerCenterClient) -> SyncReport:
    """Refresh every customer that has subscriptions; one tenant failing does not stop the rest."""
    total = SyncReport()
    tenants = db.session.scalars(select(Customer).where(Customer.id.in_(
        select(Subscription.customer_id)), Customer.tenant_id != "")).all()
    for customer in tenants:
        try:
            one = sync_customer(customer, client)
        except PartnerCenterError:
            total.failed += 1
            continue
        total.customers += 1
        total.seen += one.seen
        total.changed += one.changed
    db.session.commit()
    return total
