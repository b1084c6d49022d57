"""Celery's view of billing: on the first of each month, bill the month before."""

from __future__ import annotations

from datetime import UTC, date, datetime

from celery import shared_task
from flask import current_app

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
