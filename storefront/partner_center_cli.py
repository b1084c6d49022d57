"""`flask partner-center import`: adopt the provider's existing Partner Center customers."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from subscriptions.adoption import PAGE_SIZE, ImportSummary

partner_center_cli = AppGroup("partner-center", help="Partner Center: the existing customer base.")


def _page_done(summary: ImportSummary) -> None:
    click.echo(f"Page {summary.pages}: {summary.customers_read} customers read, "
               f"{summary.customers.created} created, {summary.subscriptions.created} "
               "subscriptions created so far.")


@partner_center_cli.command("import")
@click.option("--page-size", default=PAGE_SIZE, show_default=True, type=click.IntRange(1, 500),
              help="Customers read (and committed) per page.")
def import_command(page_size: int) -> None:
    """Import every Partner Center customer with its reseller, qualifications and
    subscriptions; running it again creates nothing twice."""
    from connectors.partner_center.app_client import get_client
    from connectors.partner_center.errors import PartnerCenterError
    from subscriptions.import_runs import ImportRunning, execute, start

    try:
        run = start()
    except ImportRunning as running:
        raise click.ClickException(str(running)) from running
    try:
        summary = execute(run.id, get_client(), page_size=page_size, on_page=_page_done)
    except PartnerCenterError as error:
        raise click.ClickException(
            f"Partner Center failed: {error}. The pages before it are saved; run the import "
            "again to finish (it matches what is saved).") from error
    for line in summary.lines():
        click.echo(line)
