"""Celery's view of notifications: the daily purge of old outbox mail."""

from __future__ import annotations

from datetime import UTC, datetime

from celery import shared_task

import notifications
from persistence import db


@shared_task(name="notifications.purge")
def purge_task() -> int:
    """Delete outbox mail past its retention and take any secret left in clear out of the
    rest; returns how many rows went."""
    removed = notifications.purge(datetime.now(UTC))
    db.session.commit()
    return removed
