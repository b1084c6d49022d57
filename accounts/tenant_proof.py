"""K11: how a customer's link to an existing Microsoft tenant is proven: a sign-in to
that tenant answered by Entra (started, claimed once, finished) or the provider admin's own
check; each function changes the database and commits once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from accounts.models import Customer, TenantSignIn, User
from persistence import as_utc, db


def approve_tenant(customer: Customer, now) -> None:
    """K11: the provider's admin confirms, after its own check, that the customer controls
    the existing tenant it names (e.g. a direct customer that cannot sign in)."""
    customer.verify_tenant("admin", now)
    db.session.commit()


def withdraw_tenant(customer: Customer) -> None:
    """K11: the proof no longer stands (a mistake found): orders stop until it is shown."""
    customer.forget_tenant_proof()
    db.session.commit()


SIGN_IN_TTL_MINUTES = 10


def start_tenant_sign_in(customer: Customer, user: User, state: str, flow: str) -> None:
    """K11: remember a started sign-in by its state until Entra posts the answer back."""
    db.session.add(TenantSignIn(state=state, customer_id=customer.id, user_id=user.id,
                                flow=flow))
    db.session.commit()


def claim_tenant_sign_in(state: str, now) -> TenantSignIn | None:
    """The pending sign-in with this state, marked used (a state works once, for ten
    minutes); None for an unknown, used or stale one."""
    row = db.session.scalar(select(TenantSignIn).where(TenantSignIn.state == state))
    started = as_utc(row.started_at) if row else None
    if row is None or row.finished_at or now - started > timedelta(minutes=SIGN_IN_TTL_MINUTES):
        return None
    # Marked by the UPDATE's own condition: an answer replayed at once read it unused too.
    taken = db.session.execute(update(TenantSignIn).where(
        TenantSignIn.id == row.id, TenantSignIn.finished_at.is_(None),
    ).values(finished_at=now, outcome="pending").execution_options(synchronize_session=False))
    db.session.commit()
    return row if taken.rowcount == 1 else None


def finish_tenant_sign_in(row: TenantSignIn, *, tenant_id: str | None, username: str,
                          outcome: str, now) -> None:
    """Record how the sign-in ended; a proven tenant verifies the customer's link (and
    names the tenant by id when the customer gave only its domain)."""
    row.outcome, row.username = outcome, username[:254]
    customer = row.customer
    if outcome == "verified":
        if not customer.tenant_id and tenant_id:
            customer.tenant_id = tenant_id
        customer.verify_tenant("sign_in", now)
    db.session.commit()
