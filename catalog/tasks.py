"""Celery's view of the catalog: one thin task over catalog.jobs, and `enqueue`.

The message only wakes a worker: the CatalogJob row holds the file and the outcome.
Shared tasks bind to whichever Celery app the web layer configures (storefront/tasks.py).
"""

from __future__ import annotations

from celery import shared_task

from catalog.jobs import run
from connectors.partner_center.app_client import get_client


@shared_task(name="catalog.run_job")
def catalog_job_task(job_id: int) -> None:
    """Run one price-list upload or sync; a redelivered message for a finished job is
    harmless."""
    run(job_id, get_client)


def enqueue_catalog_job(job_id: int) -> None:
    """Hand a recorded job to the workers."""
    catalog_job_task.delay(job_id)
