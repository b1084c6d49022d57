"""Celery, configured from the app's settings; background jobs run inside an app context.

Embedded default: kombu's SQLAlchemy transport on a SQLite file, so `make run` needs no
servers. At scale: CELERY_BROKER_URL=redis://… . Tests use the in-memory broker.
The tasks themselves are shared tasks in each concept's thin `tasks` module
(provisioning, subscriptions, commitments), or, for a task wiring two packages that may
not import each other, beside the views (recovery_tasks.py); importing them here
registers them.
"""

from __future__ import annotations

from celery import Celery, Task
from celery.schedules import crontab
from flask import Flask, has_app_context

import accounts.tasks  # noqa: F401 -- registers the shared tasks on this app
import agreements.tasks  # noqa: F401
import billing.tasks  # noqa: F401
import catalog.tasks  # noqa: F401
import commitments.records.tasks  # noqa: F401
import notifications.tasks  # noqa: F401
import operations.tasks  # noqa: F401
import provisioning.tasks  # noqa: F401
import relationships.tasks  # noqa: F401
import storefront.recovery_tasks  # noqa: F401 -- wires accounts to notifications
import subscriptions.tasks  # noqa: F401


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
        # Beat reconnects after a broken broker channel instead of failing every tick.
        beat_scheduler="operations.beat:RecoveringScheduler",
        beat_schedule={
            # The status page's proof that beat and a worker are alive (operations/).
            "heartbeat": {"task": "operations.heartbeat",
                          "schedule": operations.tasks.HEARTBEAT_SECONDS},
            "reconcile-provisioning": {
                "task": "provisioning.reconcile",
                "schedule": float(app.config.get("PROVISIONING_RECONCILE_SECONDS", 60))},
            "sync-subscriptions": {
                "task": "subscriptions.sync",
                "schedule": float(app.config.get("SUBSCRIPTION_SYNC_SECONDS", 3600))},
            "renewal-reminders": {  # R2: once a day; each reminder is sent once
                "task": "subscriptions.renewal_reminders", "schedule": 24 * 3600.0},
            "commitments-daily": {
                "task": "commitments.run_daily", "schedule": 24 * 3600.0},
            "gdap-daily": {"task": "relationships.daily", "schedule": 24 * 3600.0},
            "accounts-purge": {"task": "accounts.purge", "schedule": 24 * 3600.0},
            # Password resets and invitations must not wait for someone to run a command.
            "notifications-deliver": {
                "task": "notifications.deliver",
                "schedule": float(app.config.get("MAIL_DELIVER_SECONDS", 60)),
                # A tick not run by the next one is dropped, not queued behind it.
                "options": {"expires": float(app.config.get("MAIL_DELIVER_SECONDS", 60))}},
            # Sent mail past its retention; secrets left in clear by older rows.
            "notifications-purge": {"task": "notifications.purge", "schedule": 24 * 3600.0},
            "mca-head-daily": {"task": "agreements.export_head", "schedule": 24 * 3600.0},
            # B4: on the 1st, bill the month before (Microsoft's own invoice follows on the
            # 6th–8th); a repeat issues nothing twice.
            "azure-usage-to-date": {  # the Azure plan pages' usage so far (rated daily)
                "task": "billing.azure_usage_to_date",
                "schedule": float(app.config.get("AZURE_USAGE_READ_SECONDS", 6 * 3600))},
            # B6: a reconciliation run whose countdown message was lost polls again.
            "reconciliation-resume": {
                "task": "billing.resume_reconciliations",
                "schedule": float(app.config.get("RECONCILIATION_RESUME_SECONDS", 60)),
                "options": {"expires": float(app.config.get("RECONCILIATION_RESUME_SECONDS",
                                                            60))}},
            "billing-monthly": {"task": "billing.run_monthly",
                                "schedule": crontab(minute=0, hour=3, day_of_month=1)}},
    )

    celery.flask_app = app
    celery.set_default()  # shared tasks resolve to this app in every thread
    app.extensions["celery"] = celery
    return celery
