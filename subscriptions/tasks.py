"""Celery's view of subscriptions: the hourly mirror refresh (beat schedules it)."""

from __future__ import annotations

from celery import shared_task

from connectors.partner_center.app_client import get_client
from subscriptions.sync import sync_all


@shared_task(name="subscriptions.sync")
def sync_subscriptions_task() -> int:
    """Refresh the local subscription mirror from Partner Center; returns rows changed."""
    return sync_all(get_client()).changed
