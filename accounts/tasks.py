"""Celery's view of accounts: the daily clean-up of spent throttle buckets, sign-ups and
emailed links."""

from __future__ import annotations

from datetime import UTC, datetime

from celery import shared_task
from flask import current_app

from accounts import links, sign_up
from accounts.throttle import DatabaseStore, file_store
from persistence import db


@shared_task(name="accounts.purge")
def purge_task() -> int:
    """Delete throttle buckets whose window and lock are over (the database backend; Redis
    expires its own), used or expired sign-up requests, and invitation, reset and email
    links a week past their end; returns how many rows went."""
    now = datetime.now(UTC)
    removed = (DatabaseStore(db.session).purge(now) + _purge_throttle_file(now)
               + sign_up.purge(now) + links.purge(now))
    db.session.commit()
    return removed


def _purge_throttle_file(now: datetime) -> int:
    """The embedded default's own throttle file (#27), when the app counts there."""
    url = current_app.config.get("THROTTLE_STORAGE_URL") or ""
    return file_store(url).purge(now) if url.startswith("sqlite:") else 0
