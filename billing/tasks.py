"""Celery's view of billing: on the first of each month, bill the month before; the
Azure usage so far; the steps of a reconciliation run the admin's page started, and
beat's sweep that resumes one whose message was lost (B6)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from celery import shared_task
from flask import current_app

from billing import reconciliation_exports
from billing.azure_usage import refresh_usage_to_date
from billing.periods import previous_month
from billing.runs import run_billing
from connectors.graph.app_client import get_graph_client
from connectors.partner_center.app_client import get_client


@shared_task(name="billing.run_monthly")
def billing_monthly_task() -> int:
    """Bill last month as of today; returns how many invoices were issued. A repeat (a
    retried task, a manual run the same day) issues nothing twice."""
    today = date.today()
    terms = int(current_app.config.get("BILLING_PAYMENT_TERMS_DAYS", 30))
    # Microsoft's invoices and Graph's exports: the Azure usage Microsoft has billed.
    return run_billing(previous_month(today), today, terms_days=terms, invoices=get_client(),
                       exports=get_graph_client()).invoices_issued


@shared_task(name="billing.azure_usage_to_date")
def azure_usage_to_date_task() -> int:
    """The Azure plan pages' usage so far this period, read again from Microsoft (it rates
    usage daily); returns the Azure subscriptions kept."""
    return refresh_usage_to_date(get_graph_client(),
                                 current_app.config["PARTNER_BILLING_CURRENCY"],
                                 datetime.now(UTC))


@shared_task(name="billing.reconcile_step")
def reconcile_step_task(run_id: int) -> float | None:
    """One step of a reconciliation run (billing.reconciliation_exports.advance); while
    Microsoft's export runs, the next step is sent for when Microsoft says to poll again."""
    wait = reconciliation_exports.advance(run_id, invoices=get_client(),
                                          graph=get_graph_client())
    # Eager mode (no broker) would recurse instead of waiting: a visit to the run's page
    # sends the next step once it is due.
    if wait is not None and not reconcile_step_task.app.conf.task_always_eager:
        reconcile_step_task.apply_async((run_id,), countdown=wait)
    return wait


@shared_task(name="billing.resume_reconciliations")
def resume_reconciliations_task() -> int:
    """Beat's sweep: hand each reconciliation run whose next poll is overdue (its message
    lost with a worker or the broker) to a worker again, on its own export; how many."""
    grace = float(current_app.config.get("RECONCILIATION_RESUME_GRACE_SECONDS", 60))
    return len(reconciliation_exports.resume_due(enqueue_reconciliation,
                                                 grace=timedelta(seconds=grace)))


def enqueue_reconciliation(run_id: int) -> None:
    """Hand a recorded run to the workers; its row is the durable record."""
    reconcile_step_task.delay(run_id)
