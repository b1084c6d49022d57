"""Celery's view of subscriptions: the hourly mirror refresh and the daily renewal
reminders (beat schedules both), and the import of the provider's existing Partner Center
customers (the admin page starts it)."""

from __future__ import annotations

from contextlib import suppress

from celery import shared_task

from connectors.partner_center.app_client import get_client
from connectors.partner_center.errors import PartnerCenterError
from persistence import db
from subscriptions import import_runs, reminders
from subscriptions.models import PartnerCenterImport
from subscriptions.sync import sync_all


@shared_task(name="subscriptions.sync")
def sync_subscriptions_task() -> int:
    """Refresh the local subscription mirror from Partner Center; returns rows changed."""
    return sync_all(get_client()).changed


@shared_task(name="subscriptions.renewal_reminders")
def renewal_reminders_task() -> int:
    """R2: send the renewal reminders due today; returns how many were sent."""
    return reminders.run_daily()


@shared_task(name="subscriptions.import_partner_center")
def import_partner_center_task(run_id: int) -> str:
    """Run a recorded import; answers the run's state (running, finished or failed)."""
    # A Partner Center failure is recorded on the run for the admin page; pressing the
    # button again re-reads from the start and matches what the committed pages wrote.
    with suppress(PartnerCenterError):
        import_runs.execute(run_id, get_client())
    run = db.session.get(PartnerCenterImport, run_id)
    return run.state if run else "missing"


def enqueue_import(run_id: int) -> None:
    """Hand a recorded import to the workers; its row is the durable record."""
    import_partner_center_task.delay(run_id)
