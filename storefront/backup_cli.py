"""`flask backup create|check|restore PATH` (operations/backup.py; README "Operations")."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from operations import backup
from persistence import db

backup_cli = AppGroup("backup", help="Back up, check and restore the database.")
PATH = click.Path(dir_okay=False, path_type=Path)


def _url() -> str:
    return current_app.config["SQLALCHEMY_DATABASE_URI"]


@backup_cli.command("create")
@click.argument("path", type=PATH)
def create_command(path: Path) -> None:
    """Write a consistent copy of the database to PATH (the app may keep running)."""
    try:
        checked = backup.create(_url(), path)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Backup written to {path} ({checked.kind}; {checked.detail}).")


@backup_cli.command("check")
@click.argument("path", type=PATH)
def check_command(path: Path) -> None:
    """Open the backup at PATH and check it can be restored; exit 1 if not."""
    try:
        checked = backup.check(path)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"{path} is a readable {checked.kind} backup ({checked.detail}).")


@backup_cli.command("restore")
@click.argument("path", type=PATH)
@click.option("--yes", is_flag=True, help="Do not ask; for scripts and restore drills.")
def restore_command(path: Path, yes: bool) -> None:
    """Replace the database with the backup at PATH. Stop the web, worker and beat
    services first; then run flask db upgrade and flask mca verify."""
    if not yes:
        click.confirm(f"Replace the whole database with {path}? Every change since that "
                      "backup is lost. The web, worker and beat services must be stopped",
                      abort=True)
    db.session.remove()
    db.engine.dispose()  # no pooled connection keeps reading the old database
    try:
        kept = backup.restore(_url(), path)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Restored {path}.")
    if kept:
        click.echo(f"The database it replaced is kept as {kept}.")
    click.echo("Next: flask db upgrade (if the backup is older than the code), "
               "flask mca verify, then start the services.")
