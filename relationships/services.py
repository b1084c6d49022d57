"""Request, follow and warn about the provider's GDAP relationships.

A request is two Graph writes: create the relationship (named deterministically per
customer and attempt, so a replay after a crash finds the first one instead of making a
second), then lock it for the customer's approval. Each write's outcome is stored before
the next, as provisioning does, so the service resumes where it stopped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from accounts.models import Customer, Role, User
from connectors.graph import GraphClient, GraphError, Relationship, approval_url
from persistence import as_utc, db
from relationships.models import NOTICE_DAYS, GdapRelationship, GdapSettings
from relationships.roles import name_of

PENDING = ("created", "approvalPending", "approved", "activating")
ENDED = ("expired", "expiring", "terminationRequested", "terminating", "terminated")
RECHECK = timedelta(minutes=5)  # a live relationship is re-read at most this often


@dataclass(frozen=True)
class DelegatedAdmin:
    """What K4 needs about the tenant's GDAP: None where Graph could not be asked."""

    active: bool | None
    status: str | None  # the relationship's status, "none" when there is none
    missing_roles: tuple[str, ...] = ()  # names of required roles it does not carry
    approval_url: str | None = None
    ends: datetime | None = None


def latest(customer: Customer) -> GdapRelationship | None:
    """The customer's newest relationship record for the tenant it names now."""
    return db.session.scalar(select(GdapRelationship).where(
        GdapRelationship.customer_id == customer.id,
        func.lower(GdapRelationship.tenant_id) == (customer.tenant_id or "").lower())
        .order_by(GdapRelationship.id.desc()))


def request(customer: Customer, graph: GraphClient, now: datetime) -> GdapRelationship:
    """Ask the tenant for the roles the provider configured; answers the record whose
    approval link the customer's admin opens."""
    settings = GdapSettings.current()
    attempt = 1 + db.session.scalar(select(func.count(GdapRelationship.id)).where(
        GdapRelationship.customer_id == customer.id))
    created = graph.create_relationship(
        customer.tenant_id, f"csp-storefront-{customer.id}-{attempt}"[:50],
        timedelta(days=settings.duration_days), settings.role_ids,
        auto_extend=settings.auto_extend, customer_name=customer.company_name[:50] or None)
    row = _record(customer, created, now)
    db.session.commit()  # the create is known before the next write
    if row.status == "created":
        graph.lock_for_approval(created.id)
        row.status = "approvalPending"
        db.session.commit()
    return row


def _record(customer: Customer, rel: Relationship, now: datetime) -> GdapRelationship:
    row = db.session.scalar(select(GdapRelationship).filter_by(relationship_id=rel.id))
    if row is None:
        row = GdapRelationship(customer_id=customer.id, relationship_id=rel.id,
                               tenant_id=rel.customer_tenant_id or customer.tenant_id,
                               display_name=rel.display_name[:50], requested_at=now)
        db.session.add(row)
    _copy(row, rel, now)
    return row


def _copy(row: GdapRelationship, rel: Relationship, now: datetime) -> None:
    row.status, row.roles = rel.status, ",".join(rel.roles)
    row.auto_extend, row.activated_at, row.ends_at = rel.auto_extends, rel.activated, rel.ends
    row.approval_url, row.checked_at = approval_url(rel.id), now


def refresh(row: GdapRelationship, graph: GraphClient, now: datetime) -> GdapRelationship:
    """Read the relationship again; once active, give the provider's security group its
    roles (once). The caller commits."""
    _copy(row, graph.get_relationship(row.relationship_id), now)
    group = GdapSettings.current().security_group_id
    if row.status == "active" and group and not row.access_assigned:
        graph.create_access_assignment(row.relationship_id, group, row.role_ids)
        row.access_assigned = True
    return row


def delegated_admin(customer: Customer, graph: GraphClient, now: datetime) -> DelegatedAdmin:
    """K4's facts for an existing tenant: its relationship (a live one is re-read when
    stale; one made outside the storefront is adopted), and whether it is active with the
    required roles. Commits what it learnt."""
    if not customer.tenant_id:
        return DelegatedAdmin(active=None, status=None)
    try:
        row = _current(customer, graph, now)
    except GraphError:
        return DelegatedAdmin(active=None, status=None)
    db.session.commit()
    return facts(row, now)


def _current(customer: Customer, graph: GraphClient, now: datetime) -> GdapRelationship | None:
    row = latest(customer)
    if row is None:
        found = _best(graph.list_relationships(customer.tenant_id), now)
        return _record(customer, found, now) if found else None
    checked = as_utc(row.checked_at)
    if row.status not in ("terminated",) and (checked is None or now - checked >= RECHECK
                                              or row.status in PENDING):
        refresh(row, graph, now)
    return row


def _best(relationships: Iterable[Relationship], now: datetime) -> Relationship | None:
    """An active relationship if there is one (the one granting most roles), else the
    newest pending one."""
    found = list(relationships)
    active = [r for r in found if r.active_at(now)]
    if active:
        return max(active, key=lambda r: len(r.roles))
    pending = [r for r in found if r.status in PENDING]
    return max(pending, key=lambda r: r.created or now, default=None)


def facts(row: GdapRelationship | None, now: datetime) -> DelegatedAdmin:
    """What the record says for K4 at `now`."""
    if row is None:
        return DelegatedAdmin(active=False, status="none")
    ends = as_utc(row.ends_at)
    active = row.status == "active" and (ends is None or ends > now)
    required = GdapSettings.current().role_ids
    missing = tuple(name_of(r) for r in required if r not in row.role_ids)
    status = "expired" if row.status == "active" and not active else row.status
    return DelegatedAdmin(active=active, status=status, missing_roles=missing,
                          approval_url=row.approval_url if row.status in PENDING else None,
                          ends=ends)



def refresh_all(graph: GraphClient, now: datetime) -> int:
    """Re-read every live relationship (the daily job); one failing does not stop the rest."""
    rows = db.session.scalars(select(GdapRelationship).where(
        GdapRelationship.status.in_((*PENDING, "active")))).all()
    for row in rows:
        try:
            refresh(row, graph, now)
        except GraphError:
            continue
    db.session.commit()
    return len(rows)


def expiry_notices(now: datetime, notify: Callable[..., None], link: Callable[[int], str]
                   ) -> int:
    """Warn 30 and 7 days before an active relationship ends (once each per end date):
    the provider's admins and the customer's own users or its reseller's."""
    sent = 0
    for row in db.session.scalars(select(GdapRelationship).where(
            GdapRelationship.status == "active", GdapRelationship.ends_at.is_not(None))):
        for days in NOTICE_DAYS:
            sent += _notice(row, days, now, notify, link)
    db.session.commit()
    return sent


def _notice(row: GdapRelationship, days: int, now: datetime, notify, link) -> int:
    ends, flag = as_utc(row.ends_at), f"notified_{days}_for"
    if not ends or ends <= now or ends - now > timedelta(days=days):
        return 0
    if as_utc(getattr(row, flag)) == ends:
        return 0
    if days == NOTICE_DAYS[0] and ends - now <= timedelta(days=NOTICE_DAYS[-1]):
        return 0  # a job that missed the first warning sends only the last one
    renews = " It extends itself by 180 days." if row.auto_extend else (
        " Ask the customer's admin to approve a new relationship before then.")
    notify(_recipients(row.customer),
           f"Delegated admin for {row.customer.company_name} ends in {(ends - now).days} days",
           f"The GDAP relationship with {row.customer.company_name} ends on "
           f"{ends:%Y-%m-%d}.{renews}", link(row.customer_id))
    setattr(row, flag, ends)
    return 1


def _recipients(customer: Customer) -> list[User]:
    admins = db.session.scalars(select(User).where(User.role == Role.PROVIDER_ADMIN,
                                                   User.active.is_(True))).all()
    owners = customer.reseller.users if customer.reseller else customer.users
    return [*admins, *(u for u in owners if u.active)]


def save_settings(roles: Iterable[str], duration_days: int, auto_extend: bool,
                  security_group_id: str) -> GdapSettings:
    """What new GDAP requests ask for; relationships already requested keep theirs (a
    missing role shows on the tenant page, where a new request is made)."""
    settings = GdapSettings.current()
    settings.roles = ",".join(dict.fromkeys(roles))
    settings.duration_days, settings.auto_extend = duration_days, auto_extend
    settings.security_group_id = security_group_id.strip().lower()
    db.session.commit()
    return settings
