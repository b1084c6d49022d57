"""Celery's view of accounts: the daily clean-up of spent throttle buckets, sign-ups and
emailed links."""

from __future__ import annotations

from datetime import UTC, datetime

from celery import shared_task

from accounts import links, sign_up
from accounts.throttle import DatabaseStore
from persistence import db


@shared_task(name="accounts.purge")
def purge_task() -> int:
    """Delete throttle buckets whose window and lock are over (the database backend; Redis
    expires its own), used or expired sign-up requests, and invitation, reset and email
    links a week past their end; returns how many rows went."""
    now = datetime.now(UTC)
    removed = DatabaseStore(db.session).purge(now) + sign_up.purge(now) + links.purge(now)
    db.session.commit()
    return removed
