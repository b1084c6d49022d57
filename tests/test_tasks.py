"""Celery beat's periodic jobs run the same services as their commands."""

from __future__ import annotations

from commitments.records.tasks import commitments_daily_task
from storefront.tasks import celery
from subscriptions.tasks import renewal_reminders_task, sync_subscriptions_task


def test_beat_schedules_reconciler_subscription_sync_the_daily_ospa_gdap_and_mca_head_runs(
        app):
    tasks = {entry["task"] for entry in celery.conf.beat_schedule.values()}
    assert tasks == {"provisioning.reconcile", "subscriptions.sync", "commitments.run_daily",
                     "relationships.daily", "agreements.export_head", "accounts.purge",
                     "notifications.purge", "notifications.deliver", "billing.run_monthly",
                     "subscriptions.renewal_reminders", "operations.heartbeat",
                     "billing.azure_usage_to_date", "billing.resume_reconciliations"}


def test_the_periodic_jobs_run_against_the_app(app, world):
    assert sync_subscriptions_task.apply().get() == 0  # nothing mirrored yet: nothing changed
    assert commitments_daily_task.apply().get() == 0  # no enrollment: no notice
    assert renewal_reminders_task.apply().get() == 0  # no term ending: no reminder


def test_the_daily_gdap_run_works_against_the_app(app, world):
    from relationships.tasks import gdap_daily_task

    assert gdap_daily_task.apply().get() == 0  # no relationship: no notice
