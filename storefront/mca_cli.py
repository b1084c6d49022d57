"""`flask mca …`: verify the MCA ledger (against signed heads too), sign its head, export
it as CSV."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from agreements import heads
from agreements.keys import from_config
from agreements.mca import McaAcceptance, export_csv, verify_configured
from persistence import db, utcnow

mca_cli = AppGroup("mca", help="The MCA acceptance log (K5).")


@mca_cli.command("verify")
@click.option("--head", "head_path", type=click.Path(exists=True, path_type=Path),
              help="A signed head statement, or a directory of them, the log must still "
                   "match.")
def verify_command(head_path: Path | None) -> None:
    """Recompute every seal and link, and compare with signed heads; exit 1 on a problem."""
    report = verify_configured(current_app.config)
    checks = _head_checks(head_path) if head_path else []
    problems = [*report.problems, *(p for check in checks for p in check.problems)]
    if head_path and not checks:
        problems.append(f"{head_path}: holds no head statement ({heads.PATTERN})")
    for line in problems:
        click.echo(line, err=True)
    if report.legacy_rows:
        click.echo(report.legacy_note)
    if problems:
        raise click.ClickException(f"The MCA log fails verification ({len(problems)} problems).")
    click.echo(f"The MCA log verifies: {report.rows} rows, every row intact and in order.")
    for check in checks:
        click.echo(f"It matches the head signed at {check.head.at} ({check.head.rows} rows, "
                   f"{check.path.name}).")


def _head_checks(path: Path) -> list[heads.HeadCheck]:
    keys = from_config(current_app.config)
    return [heads.check(statement, keys) for statement in heads.statements(path)]


@mca_cli.command("head")
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path),
              help="Where to write the statement (default: MCA_HEAD_DIR).")
def head_command(directory: Path | None) -> None:
    """Sign a statement of the log's head into a new 0600 file; keep a copy off the host."""
    config = current_app.config
    path = heads.export(directory or Path(config["MCA_HEAD_DIR"]), from_config(config),
                        utcnow())
    click.echo(f"Signed the MCA log's head into {path}")


@mca_cli.command("export")
def export_command() -> None:
    """Print the whole log as CSV (cells a spreadsheet would run as formulas are quoted)."""
    rows = db.session.scalars(select(McaAcceptance).order_by(McaAcceptance.id))
    for line in export_csv(rows):
        click.echo(line, nl=False)
