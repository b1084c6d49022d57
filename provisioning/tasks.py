"""Celery's view of provisioning: two thin tasks over provisioning.jobs, and `enqueue`.

Messages are only wake-up calls: the ProvisioningJob row is the truth, and the reconciler
(beat, every PROVISIONING_RECONCILE_SECONDS) re-sends whatever a lost message left behind.
Shared tasks bind to whichever Celery app the web layer configures (storefront/tasks.py).
"""

from __future__ import annotations

from celery import shared_task
from flask import current_app

from connectors.partner_center.app_client import get_client
from provisioning.jobs import reconcile, run_job


@shared_task(name="provisioning.provision_order")
def provision_order_task(order_id: int) -> None:
    """Provision one order; idempotent, so a redelivered message is harmless."""
    delay = run_job(order_id, get_client())
    # Eager mode (no broker) would recurse instead of waiting: the reconciler picks it up.
    if delay is not None and not provision_order_task.app.conf.task_always_eager:
        provision_order_task.apply_async((order_id,), countdown=delay)


@shared_task(name="provisioning.reconcile")
def reconcile_task() -> int:
    """Re-drive jobs that are overdue or whose worker died (Celery beat runs this)."""
    grace = float(current_app.config.get("PROVISIONING_RECONCILE_GRACE_SECONDS", 60))
    return len(reconcile(enqueue_provisioning, grace_seconds=grace))


def enqueue_provisioning(order_id: int) -> None:
    """Hand an order to the workers; its ProvisioningJob row is the durable record."""
    provision_order_task.delay(order_id)
