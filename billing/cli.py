"""`flask billing run --month YYYY-MM`: bill a month (charges, then invoices); safe to repeat."""

from __future__ import annotations

from datetime import date, datetime

import click
from flask import current_app

from billing.periods import BillingInputError, previous_month
from billing.runs import run_billing
from connectors.graph.app_client import get_graph_client
from connectors.partner_center.app_client import get_client


@click.group("billing")
def billing_cli() -> None:
    """Charges and invoices (B1–B5)."""


@billing_cli.command("run")
@click.option("--month", default=None, help="The month to bill, YYYY-MM (default: last month).")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Issue date, YYYY-MM-DD (default: today).")
def run_command(month: str | None, today: datetime | None) -> None:
    """Add the month's charges and issue its invoices; nothing is charged or invoiced twice."""
    issued = today.date() if today else date.today()
    terms = int(current_app.config.get("BILLING_PAYMENT_TERMS_DAYS", 30))
    try:
        run = run_billing(month or previous_month(issued), issued, terms_days=terms,
                          invoices=get_client(), exports=get_graph_client())
    except BillingInputError as refused:
        raise click.BadParameter(str(refused).partition(": ")[2], param_hint="--month") \
            from refused
    click.echo(run.outcome)
    for problem in filter(None, run.problems.splitlines()):
        click.echo(f"Not invoiced: {problem}", err=True)
