"""Flask commands: demo data, administrator accounts, mail delivery, the OSPA daily job."""

from __future__ import annotations

from datetime import date, datetime

import click
from flask import Flask

from accounts.passwords import WeakPassword
from accounts.services import EmailTaken, InvalidEmail, create_provider_admin
from demo import load as demo


@click.group("demo")
def demo_cli() -> None:
    """Demo data for `make run`."""


@demo_cli.command("load")
def demo_load() -> None:
    """Load the demo provider, resellers and customers; running it again changes nothing."""
    created = demo.load()
    click.echo(f"Demo data ready ({created} new records).")
    click.echo("Sign in at http://127.0.0.1:5000 with:")
    for email, password, what in demo.SIGN_INS:
        click.echo(f"  {what:<34} {email:<32} {password}")


@click.group("users")
def users_cli() -> None:
    """Manage user accounts."""


@users_cli.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", default="Provider admin", show_default=True)
@click.password_option()
def create_admin(email: str, name: str, password: str) -> None:
    """Create a provider administrator (at least 12 characters, not a common password)."""
    try:
        create_provider_admin(email, password, name)
    except (EmailTaken, InvalidEmail, WeakPassword) as refused:
        raise click.ClickException(str(refused)) from refused
    click.echo(f"Provider admin {email} created.")


@click.group("notifications")
def notifications_cli() -> None:
    """In-app notifications and the email outbox."""


@notifications_cli.command("deliver")
@click.option("--limit", default=100, show_default=True, help="Emails to send in this run.")
def notifications_deliver(limit: int) -> None:
    """Send unsent outbox emails through MAIL_SERVER (without one, mail stays in the outbox)."""
    from flask import current_app

    from notifications import deliver_outbox

    if not current_app.config.get("MAIL_SERVER"):
        click.echo("MAIL_SERVER is not set: emails stay in the outbox (see /admin/outbox).")
        return
    click.echo(f"Sent {deliver_outbox(limit)} email(s).")


@click.group("commitments")
def commitments_cli() -> None:
    """Indirect OSPA enrollments (rules O1-O9)."""


@commitments_cli.command("run-daily")
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The business day to evaluate (default: today).")
def commitments_run_daily(day: datetime | None) -> None:
    """Send each due notice once and apply suspensions, expiries and deprovisioning marks."""
    from commitments.records.daily import run_daily

    today = day.date() if day else date.today()
    report = run_daily(today)
    for number, keys in report.sent.items():
        for key in keys:
            click.echo(f"{number}  {key}")
    for number in report.failed:
        click.echo(f"{number}  not processed (refused or already sent by another run)", err=True)
    click.echo(f"{today}: {report.total} notice(s) sent.")


def register(app: Flask) -> None:
    from billing.cli import billing_cli
    from catalog.cli import catalog_cli
    from storefront.backup_cli import backup_cli
    from storefront.mca_cli import mca_cli
    from storefront.partner_center_cli import partner_center_cli
    from storefront.provisioning_cli import provisioning_cli
    from subscriptions.cli import subscriptions_cli

    app.cli.add_command(catalog_cli)
    app.cli.add_command(provisioning_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(mca_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(notifications_cli)
    app.cli.add_command(commitments_cli)
    app.cli.add_command(subscriptions_cli)
    app.cli.add_command(partner_center_cli)
    app.cli.add_command(billing_cli)
    app.cli.add_command(backup_cli)
