"""Provider-admin billing pages: run billing for a month, the runs so far, and the tax rates
(B4, B5). The invoices themselves are listed by the documents' pages."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import BooleanField, StringField
from wtforms.validators import Length

from billing import tax
from billing.models import BillingRun, Invoice, TaxRate
from billing.periods import BillingInputError, previous_month
from billing.runs import run_billing
from connectors.graph.app_client import get_graph_client
from connectors.partner_center.app_client import get_client
from persistence import db
from storefront.security import admin_only

bp = Blueprint("billing_admin", __name__, url_prefix="/admin/billing")


class RunForm(FlaskForm):
    month = StringField("Billing month (YYYY-MM)", validators=[Length(max=7)])


class TaxRateForm(FlaskForm):
    country = StringField("Country (ISO code, e.g. DE)", validators=[Length(max=2)])
    rate = StringField("Rate, % (e.g. 19)", validators=[Length(max=10)])
    inclusive = BooleanField("Prices in this market include the tax (C6)")
    label = StringField("Label on invoices (VAT, GST, …)", validators=[Length(max=20)])
    note = StringField("Note", validators=[Length(max=300)])


def _index(form: RunForm, status: int = 200):
    runs = db.session.scalars(select(BillingRun).order_by(BillingRun.id.desc()).limit(24))
    months = db.session.execute(
        select(Invoice.billing_month, Invoice.kind, func.count(Invoice.id))
        .group_by(Invoice.billing_month, Invoice.kind)
        .order_by(Invoice.billing_month.desc(), Invoice.kind)).all()
    has_invoices_page = "billing.invoices" in current_app.view_functions
    return render_template("billing_admin/index.html", form=form, runs=runs.all(),
                           months=months, has_invoices_page=has_invoices_page), status


@bp.route("")
@admin_only
def index():
    return _index(RunForm(month=previous_month(date.today())))


class _PageUsage:
    """Graph's usage export, waited for at most one poll of at most 5 s per invoice from a
    web request (a run reads up to three months' invoices): usage Microsoft has not
    exported by then is listed on the run, and the next run, or the monthly one, bills it."""

    def __init__(self, graph) -> None:
        self._graph = graph

    def billed_usage(self, invoice_id: str):
        return self._graph.billed_usage(invoice_id, max_polls=1, max_wait=5.0)


@bp.route("/run", methods=["POST"])
@admin_only
def run():
    """Bill the month: safe to press twice (nothing is charged or invoiced twice)."""
    form = RunForm()
    if not form.validate_on_submit():
        form.month.errors = ["Write the billing month as YYYY-MM, e.g. 2026-11."]
        return _index(form, 422)
    terms = int(current_app.config.get("BILLING_PAYMENT_TERMS_DAYS", 30))
    try:
        done = run_billing(form.month.data, date.today(), terms_days=terms,
                           started_by_id=current_user.id, invoices=get_client(),
                           exports=_PageUsage(get_graph_client()))
    except BillingInputError as refused:
        form.month.errors = [refused.beside("month")]
        return _index(form, 422)
    flash(done.outcome, "success")
    for problem in filter(None, done.problems.splitlines()):
        flash(problem, "error")
    return redirect(url_for("billing_admin.index"))


@bp.route("/tax-rates", methods=["GET", "POST"])
@admin_only
def tax_rates():
    tax.ensure_seeded()
    form = TaxRateForm()
    status = 200
    if form.validate_on_submit():
        try:
            saved = tax.save_rate(form.country.data, form.rate.data, form.inclusive.data,
                                  form.label.data, form.note.data)
            db.session.commit()
            flash(f"Tax rate for {saved.country} saved: {saved.rate * 100:g} % {saved.label}.",
                  "success")
            return redirect(url_for("billing_admin.tax_rates"))
        except BillingInputError as refused:
            db.session.rollback()
            field, _, message = str(refused).partition(": ")
            getattr(form, field, form.rate).errors = [message]
            status = 422
    elif form.errors:
        status = 422
    rates = db.session.scalars(select(TaxRate).order_by(TaxRate.country)).all()
    return render_template("billing_admin/tax_rates.html", form=form, rates=rates), status
