"""Flask commands: demo data and administrator accounts."""

from __future__ import annotations

import click
from flask import Flask

from storefront import demo
from storefront.accounts import Role, User
from storefront.extensions import db
from storefront.services import new_user


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
    """Create a provider administrator."""
    if db.session.scalar(db.select(User).where(User.email == email.strip().lower())):
        raise click.ClickException(f"A user with email {email} already exists.")
    db.session.add(new_user(email, password, Role.PROVIDER_ADMIN, name=name, admin_agent=True))
    db.session.commit()
    click.echo(f"Provider admin {email} created.")


def register(app: Flask) -> None:
    from catalog.cli import catalog_cli
    from storefront.provisioning_cli import provisioning_cli

    app.cli.add_command(catalog_cli)
    app.cli.add_command(provisioning_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(users_cli)
