"""Celery's view of OSPA commitments: the daily run of the schedules (beat schedules it)."""

from __future__ import annotations

from datetime import date

from celery import shared_task

from commitments.records.daily import run_daily


@shared_task(name="commitments.run_daily")
def commitments_daily_task() -> int:
    """Evaluate the OSPA schedules once a day; each notice is sent once (O2, O5, O8, O9)."""
    return run_daily(date.today()).total
