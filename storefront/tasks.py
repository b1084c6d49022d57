"""Celery, configured from the app's settings; background jobs run inside an app context.

Embedded default: kombu's SQLAlchemy transport on a SQLite file, so `make run` needs no
servers. At scale: CELERY_BROKER_URL=redis://… . Tests use the in-memory broker.
Messages are only wake-up calls: the ProvisioningJob row is the truth, and the reconciler
(beat, every PROVISIONING_RECONCILE_SECONDS) re-sends whatever a lost message left behind.
"""

from __future__ import annotations

from celery import Celery, Task
from flask import Flask, has_app_context


class AppContextTask(Task):
    """Runs inside the app context of the Flask app last bound by init_celery, unless the
    caller (an eager call in a request or test) already has one."""

    def __call__(self, *args, **kwargs):
        if has_app_context():
            return self.run(*args, **kwargs)
        with self.app.flask_app.app_context():
            return self.run(*args, **kwargs)


# task_cls at construction: tasks made before init_celery (at import) get it too.
celery = Celery("csp_storefront", task_cls=AppContextTask)


def init_celery(app: Flask) -> Celery:
    """Bind the Celery app to a Flask app: settings, and an app context around each task."""
    celery.conf.update(
        broker_url=app.config["CELERY_BROKER_URL"],
        result_backend=app.config["CELERY_RESULT_BACKEND"],
        task_always_eager=app.config["CELERY_TASK_ALWAYS_EAGER"],
        task_serializer="json", result_serializer="json", accept_content=["json"],
        task_acks_late=True,  # a worker killed mid-task leaves the message for another
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        beat_schedule={
            "reconcile-provisioning": {
                "task": "provisioning.reconcile",
                "schedule": float(app.config.get("PROVISIONING_RECONCILE_SECONDS", 60))},
            "sync-subscriptions": {
                "task": "subscriptions.sync",
                "schedule": float(app.config.get("SUBSCRIPTION_SYNC_SECONDS", 3600))},
            "commitments-daily": {
                "task": "commitments.run_daily", "schedule": 24 * 3600.0}},
    )

    celery.flask_app = app
    app.extensions["celery"] = celery
    return celery


@celery.task(name="provisioning.provision_order")
def provision_order_task(order_id: int) -> None:
    """Provision one order; idempotent, so a redelivered message is harmless."""
    from checkout.provisioning import run_job
    from storefront.partner_center import get_client

    delay = run_job(order_id, get_client())
    # Eager mode (no broker) would recurse instead of waiting: the reconciler picks it up.
    if delay is not None and not celery.conf.task_always_eager:
        provision_order_task.apply_async((order_id,), countdown=delay)


@celery.task(name="provisioning.reconcile")
def reconcile_task() -> int:
    """Re-drive jobs that are overdue or whose worker died (Celery beat runs this)."""
    from flask import current_app

    from checkout.provisioning import reconcile

    grace = float(current_app.config.get("PROVISIONING_RECONCILE_GRACE_SECONDS", 60))
    return len(reconcile(enqueue_provisioning, grace_seconds=grace))


def enqueue_provisioning(order_id: int) -> None:
    """Hand an order to the workers; its ProvisioningJob row is the durable record."""
    provision_order_task.delay(order_id)


@celery.task(name="subscriptions.sync")
def sync_subscriptions_task() -> int:
    """Refresh the local subscription mirror from Partner Center (beat runs this hourly)."""
    from storefront.partner_center import get_client
    from subscriptions.sync import sync_all

    return sync_all(get_client()).changed


@celery.task(name="commitments.run_daily")
def commitments_daily_task() -> int:
    """Evaluate the OSPA schedules once a day; each notice is sent once (O2, O5, O8, O9)."""
    from datetime import date

    from storefront.enrollments.daily import run_daily

    return run_daily(date.today()).total
