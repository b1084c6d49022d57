"""B6 for the provider's admins: run a month's reconciliation with Microsoft, read what did
not match, download it as CSV; and `flask billing reconcile --month YYYY-MM`.

The page records the run and a worker waits for Microsoft's asynchronous export
(billing.reconciliation_exports): the run's page follows it and, when its next poll is due
and nothing has polled (a lost message, a worker restarted), hands it to a worker again,
which polls the same export operation. The command waits in its own process, as long as
Microsoft's sample does.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import click
from flask import (
    Blueprint,
    Flask,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.cli import AppGroup, with_appcontext
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import StringField
from wtforms.validators import DataRequired

from billing import reconciliation_exports
from billing.periods import BillingInputError, latest_invoiced, month_of
from billing.reconciliation import latest_runs, reconcile
from billing.reconciliation_models import ItemKind, ReconciliationItem, ReconciliationRun
from billing.tasks import enqueue_reconciliation
from catalog.price_words import counted
from catalog.pricing import format_money
from connectors.graph.app_client import get_graph_client
from connectors.partner_center.app_client import get_client
from persistence import db
from storefront.pagination import paginate
from storefront.security import admin_only, within
from storefront.tables import csv_download

bp = Blueprint("reconciliation", __name__, url_prefix="/admin/billing/reconciliation")
KIND_LABELS = {ItemKind.UNMATCHED_MICROSOFT: "Billed by Microsoft only",
               ItemKind.UNMATCHED_OURS: "Charged here only",
               ItemKind.DIFFERENT: "Different",
               ItemKind.MATCHED_LATE_SEEN: "Matched: cycle charge with a late-seen change",
               ItemKind.MATCHED_BILLED_LATER: "Matched: billed here in a later month",
               ItemKind.RECONCILED_EARLIER: "Billed here later than Microsoft: reconciled "
                                            "in Microsoft's month"}
CSV_HEADER = ("Kind", "Customer", "Product", "Partner Center subscription", "Charge type",
              "Period start", "Period end", "Quantity here", "Quantity at Microsoft",
              "Amount expected at our cost", "Amount billed by Microsoft", "Currency",
              "Microsoft invoice", "Note")


class ReconcileForm(FlaskForm):
    month = StringField("Billing month (YYYY-MM)",
                        validators=[DataRequired("Give the billing month, e.g. 2026-11.")])


def _money(amount, currency: str) -> str:
    return "—" if amount is None else format_money(amount, currency or "USD", "en")


def _quantity(value) -> str:
    return "—" if value is None else format(value.normalize(), "f")


def _run_or_404(run_id: int) -> ReconciliationRun:
    return db.session.get(ReconciliationRun, within(run_id)) or abort(404)


@bp.route("/", methods=["GET", "POST"])
@admin_only
def index():
    # The newest month Microsoft has invoiced: the month before is not out until the 8th.
    form = ReconcileForm(data=None if request.method == "POST"
                         else {"month": month_of(latest_invoiced(date.today()))})
    if form.validate_on_submit():
        try:
            run = reconciliation_exports.start(form.month.data.strip(), current_user.id)
        except BillingInputError as refused:
            form.month.errors.append(refused.beside("month"))
        else:
            _resume(run)
            flash(f"{run.month}: Microsoft is asked for the month's reconciliation data; "
                  "this page follows the run, which goes on if you leave it.", "success")
            return redirect(url_for("reconciliation.show", run_id=run.id))
    return render_template("reconciliation/index.html", form=form, runs=latest_runs()), \
        422 if form.errors else 200


def _outcome(run: ReconciliationRun) -> str:
    if run.state == "exporting":
        return run.phase or "Waiting for Microsoft's export."
    if run.state == "failed":
        return run.message
    if not run.discrepancies:
        return f"{run.month}: every line of Microsoft's invoice matches our charges."
    return (f"{run.month}: {counted(run.discrepancies, 'line')} "
            f"{'does' if run.discrepancies == 1 else 'do'} not match; "
            f"{'it is' if run.discrepancies == 1 else 'they are'} listed below.")


def _resume(run: ReconciliationRun) -> None:
    """Hand an exporting run whose next poll is due to a worker (at most every 30 s)."""
    if reconciliation_exports.due(run):
        reconciliation_exports.nudged(run)
        enqueue_reconciliation(run.id)


@bp.get("/<int:run_id>")
@admin_only
def show(run_id: int):
    run = _run_or_404(run_id)
    _resume(run)
    kind = request.args.get("kind", "")
    query = select(ReconciliationItem).where(ReconciliationItem.run_id == run.id) \
        .order_by(ReconciliationItem.id)
    if kind in KIND_LABELS:
        query = query.where(ReconciliationItem.kind == kind)
    return render_template("reconciliation/run.html", run=run, page=paginate(query, 50),
                           kind=kind if kind in KIND_LABELS else "", kinds=KIND_LABELS,
                           money=_money, quantity=_quantity, outcome=_outcome(run),
                           listed=_listed(run))


def _listed(run: ReconciliationRun) -> dict[str, int]:
    """How many rows of each kind the run lists though they agree (a cycle matched with a
    late-seen change, a change billed here in another month than Microsoft's)."""
    return dict(db.session.execute(
        select(ReconciliationItem.kind, func.count(ReconciliationItem.id))
        .where(ReconciliationItem.run_id == run.id,
               ReconciliationItem.kind.in_(ItemKind.LISTED))
        .group_by(ReconciliationItem.kind)).all())


@bp.get("/<int:run_id>/status.json")
@admin_only
def status(run_id: int):
    """What the run's page polls while Microsoft's export runs (catalog-job.js)."""
    run = _run_or_404(run_id)
    _resume(run)
    return jsonify({"id": run.id, "status": run.state, "phase": _outcome(run),
                    "final": run.final, "polls": run.polls})


@bp.get("/<int:run_id>.csv")
@admin_only
def export_csv(run_id: int):
    run = _run_or_404(run_id)
    return csv_download(f"reconciliation-{run.month}-{run.id}.csv", CSV_HEADER,
                        lambda: _csv_rows(run_id))


def _csv_rows(run_id: int) -> Iterator[tuple]:
    """The run's items as CSV rows, read in batches (a run may list thousands)."""
    query = select(ReconciliationItem).where(ReconciliationItem.run_id == run_id) \
        .order_by(ReconciliationItem.id).execution_options(yield_per=500)
    for item in db.session.scalars(query):
        yield (KIND_LABELS.get(item.kind, item.kind), item.customer_name, item.product,
               item.pc_subscription_id, item.charge_type, item.period_start, item.period_end,
               item.quantity_ours, item.quantity_microsoft, item.amount_ours,
               item.amount_microsoft, item.currency, item.invoice_id, item.note)


@click.command("reconcile")
@with_appcontext
@click.option("--month", required=True, help="The billing month, YYYY-MM (e.g. 2026-11).")
def reconcile_command(month: str) -> None:
    """Match a month's charges with Microsoft's invoice (B6) and list what differs."""
    try:
        run = reconcile(month, invoices=get_client(), exports=get_graph_client())
    except BillingInputError as refused:
        raise click.BadParameter(refused.beside("month"),
                                 param_hint="--month") from refused
    click.echo(f"Reconciliation {run.id} of {run.month}: {run.state}. Microsoft's lines "
               f"{run.microsoft_lines}, our charges {run.our_charges}, matched {run.matched}.")
    for item in run.items:
        click.echo(f"  {item.kind:<20} {item.pc_subscription_id} {item.charge_type} "
                   f"{item.period_start}–{item.period_end}: {item.note}")
    if run.state == "failed":
        raise click.ClickException(run.message)


def register_cli(app: Flask) -> None:
    """`flask billing reconcile`: joins the `billing` command group, or starts it."""
    group = app.cli.commands.get("billing")
    if not isinstance(group, click.Group):
        group = AppGroup("billing", help="Billing: charges, invoices, reconciliation.")
        app.cli.add_command(group)
    group.add_command(reconcile_command)
