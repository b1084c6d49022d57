"""`flask catalog import FILE` and `flask catalog sync`."""

from __future__ import annotations

import click

from catalog import importer
from catalog.price_list import parse

MAX_ERRORS_SHOWN = 50


@click.group("catalog")
def catalog_cli() -> None:
    """Manage the catalog: import Microsoft's price list, sync from Partner Center."""


@catalog_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--skip-invalid", is_flag=True,
              help="Import the valid rows even when some rows are malformed (then nothing "
                   "is unlisted).")
def import_command(path: str, skip_invalid: bool) -> None:
    """Import an NCE license-based price list (CSV); re-importing the same file changes nothing."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        result = parse(handle)
    _report_errors(result.errors)
    if result.errors and not skip_invalid:
        raise click.ClickException(
            f"{len(result.errors)} malformed row(s); nothing was imported. Fix them, or "
            "re-run with --skip-invalid to import the other rows.")
    with click.progressbar(length=len(result.rows), label="Importing prices") as bar:
        summary = importer.import_rows(result.rows, progress=bar.update,
                                       invalid_lines=len(result.errors))
    _report_summary(summary)


@catalog_cli.command("sync")
@click.option("--country", default=None, help="Market to sync (default: the provider's).")
def sync_command(country: str | None) -> None:
    """Pull products, SKUs and availabilities from Partner Center (the sandbox in the demo)."""
    from catalog.models import CatalogSettings
    from catalog.sync import sync_catalog
    from connectors.partner_center.app_client import get_client

    market = (country or CatalogSettings.current().default_market).upper()
    summary = sync_catalog(get_client(), market)
    click.echo(f"Synced market {market}: {summary.products_added} new products, "
               f"{summary.products_updated} updated, {summary.skus_added} new SKUs; "
               f"{summary.c3_words(market)}.")


def _report_errors(errors) -> None:
    for error in errors[:MAX_ERRORS_SHOWN]:
        click.echo(f"  {error}", err=True)
    if len(errors) > MAX_ERRORS_SHOWN:
        click.echo(f"  … and {len(errors) - MAX_ERRORS_SHOWN} more", err=True)


def _report_summary(summary: importer.ImportSummary) -> None:
    click.echo(f"Prices: {summary.added} added, {summary.changed} changed, "
               f"{summary.unchanged} unchanged, {summary.no_longer_listed} no longer listed, "
               f"{summary.ending} ending.")
    for note in summary.unlisting_notes():
        click.echo(note)
    click.echo(f"Catalog: {summary.products_added} new products, {summary.skus_added} new SKUs.")
    for line in summary.changes[:20]:
        click.echo(f"  price changed {line}")
    for line in summary.endings[:20]:
        click.echo(f"  ending {line}")
