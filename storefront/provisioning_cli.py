"""`flask provisioning …`: re-drive stuck orders and run one order by hand."""

from __future__ import annotations

import click
from flask.cli import AppGroup

provisioning_cli = AppGroup("provisioning", help="Background provisioning of orders.")


@provisioning_cli.command("reconcile")
@click.option("--grace", default=60.0, show_default=True,
              help="Seconds a queued job may be overdue before it counts as stuck.")
def reconcile_command(grace: float) -> None:
    """Send every overdue or abandoned provisioning job to the workers again."""
    from provisioning.jobs import reconcile
    from provisioning.tasks import enqueue_provisioning

    order_ids = reconcile(enqueue_provisioning, grace_seconds=grace)
    click.echo(f"Re-queued {len(order_ids)} order(s)"
               + (f": {', '.join(map(str, order_ids))}." if order_ids else "."))


@provisioning_cli.command("run")
@click.argument("order_id", type=int)
def run_command(order_id: int) -> None:
    """Provision one order in this process now (the job lease still applies)."""
    from connectors.partner_center.app_client import get_client
    from orders.models import Order
    from persistence import db
    from provisioning.jobs import run_job

    delay = run_job(order_id, get_client())
    order = db.session.get(Order, order_id)
    click.echo(f"Order {order_id}: {order.status if order else 'not found'}"
               + (f" (again in {delay:.0f} s)" if delay is not None else ""))
