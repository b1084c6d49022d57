"""Celery's view of notifications: delivering the outbox, and the daily purge of old mail."""

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


@shared_task(name="notifications.deliver")
def deliver_task() -> int:
    """Send the outbox's due mail (beat runs it every MAIL_DELIVER_SECONDS; without a
    MAIL_SERVER it sends nothing); returns how many emails the server took."""
    return notifications.deliver_outbox(notifications.DELIVER_BATCH)
