"""`flask subscriptions sync`: refresh the local mirror from Partner Center; and
`flask subscriptions rotate-product-keys`: re-encrypt product keys under the newest key."""

from __future__ import annotations

import click

from connectors.partner_center.app_client import get_client
from subscriptions.keys import reencrypt_keys
from subscriptions.sync import sync_all


@click.group("subscriptions")
def subscriptions_cli() -> None:
    """Subscriptions after purchase."""


@subscriptions_cli.command("sync")
def sync_command() -> None:
    """Copy quantity, status, autorenew and term dates from Partner Center onto local rows,
    and add the subscriptions bought in Partner Center since."""
    report = sync_all(get_client())
    click.echo(f"Synced {report.customers} customers: {report.seen} subscriptions seen, "
               f"{report.changed} changed, {report.added} added, {report.failed} customers "
               "failed.")
    for reason, times in report.reasons.counts.items():
        click.echo(f"Not added ({times}×): {reason}")
    for reason, times in report.waited.counts.items():
        click.echo(f"Left for the next pass ({times}×): {reason}")
    if report.failed:
        raise click.ClickException("Partner Center refused some customers; run again later.")


@subscriptions_cli.command("rotate-product-keys")
def rotate_product_keys_command() -> None:
    """Re-encrypt every stored product key under the first PRODUCT_KEY_ENCRYPTION_KEY; the
    keys after it may then be removed from the setting."""
    count = reencrypt_keys()
    click.echo(f"Re-encrypted {count} product keys under the first PRODUCT_KEY_ENCRYPTION_KEY.")
