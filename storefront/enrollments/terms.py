"""The partner's terms (O6): its OSPA price list page, and the enrollment's payment terms
and VAT invoices. The partner's users act here, and the provider admin, who assists every
enrollment; the customer only reads what results on the enrollment page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import partial

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from accounts.models import Reseller
from commitments.price_list import format_unit_price
from commitments.problems import CommitmentRefused
from commitments.records import partner_terms as services
from commitments.records import price_list
from commitments.records.partner_models import OspaPrice
from persistence import db
from storefront.enrollments.partner_terms import FORMS, PriceForm, acts_as_partner
from storefront.enrollments.views import (
    attach_problems,
    bp,
    enrollment_for,
    refused,
    render_show,
    today,
)
from storefront.errors import respond_to_refusal
from storefront.templating import sentence


@dataclass(frozen=True)
class Line:
    """A price list line as the page shows it: in force today, scheduled or replaced."""

    row: OspaPrice
    state: str
    price: str


def _lines(partner_reseller_id: int | None, day: date) -> list[Line]:
    rows = price_list.partner_lines(partner_reseller_id)
    in_force = {}
    for row in rows:  # by meter then day: the last one not after today is in force
        if row.effective_from <= day:
            in_force[row.meter.casefold()] = row.id
    lines = []
    for row in rows:
        state = ("scheduled" if row.effective_from > day
                 else "in force" if in_force.get(row.meter.casefold()) == row.id else "replaced")
        lines.append(Line(row, state, format_unit_price(row.unit_price)))
    return lines


def _whose_list() -> tuple[int | None, bool]:
    """(partner reseller id, editable): a reseller's own list; the admin's own list (the
    provider is the partner of direct customers) or, read-only, a reseller's it picks."""
    if current_user.is_reseller:
        return current_user.reseller_id, True
    if not current_user.is_provider_admin:
        abort(403)
    picked = request.args.get("reseller", type=int)
    if picked is None:
        return None, True
    db.session.get(Reseller, picked) or abort(404)
    return picked, False


def _render_prices(form, code: int = 200):
    partner_id, editable = _whose_list()
    partner = db.session.get(Reseller, partner_id) if partner_id else None
    resellers = (db.session.scalars(select(Reseller).order_by(Reseller.company_name)).all()
                 if current_user.is_provider_admin else [])
    return render_template("enrollments/prices.html", form=form, editable=editable,
                           partner=partner, lines=_lines(partner_id, today()),
                           resellers=resellers, today=today()), code


def _prices_refused(form, error: CommitmentRefused):
    attach_problems(form, error.problems, {})
    return _render_prices(form, 422)


@bp.route("/enrollments/prices", methods=["GET", "POST"])
@login_required
def prices():
    form = PriceForm(formdata=request.form if request.method == "POST" else None)
    if request.method == "GET":
        form.effective_from.data = today()
        return _render_prices(form)
    partner_id, editable = _whose_list()
    if not editable:
        abort(403)
    if not form.validate():
        return _render_prices(form, 422)
    try:
        line, told = price_list.schedule_price(partner_id, form.meter.data,
                                               form.unit_price.data, form.effective_from.data,
                                               today(), current_user)
    except CommitmentRefused as error:
        return respond_to_refusal(error, partial(_prices_refused, form, error))
    told_text = f" {told} enrollment{'s' if told != 1 else ''}' contacts told." if told else ""
    flash(sentence(f"{line.meter}: {format_unit_price(line.unit_price)} from "
                   f"{line.effective_from.isoformat()}") + told_text, "success")
    return redirect(url_for("enrollments.prices"))


def _partner_action(row, name: str):
    """The submitted partner form, or 403 for anyone who does not act for the partner."""
    if not acts_as_partner(current_user, row, name):
        abort(403)
    return FORMS[name]()


@bp.route("/enrollments/<int:enrollment_id>/payment-terms", methods=["POST"])
@login_required
def payment_terms(enrollment_id: int):
    row = enrollment_for(current_user, enrollment_id)
    form = _partner_action(row, "terms")
    if not form.validate_on_submit():
        return render_show(row, 422, given={"terms": form})
    try:
        services.set_payment_terms(row, form.payment_terms_days.data)
    except CommitmentRefused as error:
        return respond_to_refusal(error, partial(refused, row, "terms", form, error))
    flash(f"Payment terms set to {row.payment_terms_days} days for new invoices.", "success")
    return redirect(url_for("enrollments.show", enrollment_id=row.id))


@bp.route("/enrollments/<int:enrollment_id>/vat-invoices", methods=["POST"])
@login_required
def vat_invoice(enrollment_id: int):
    row = enrollment_for(current_user, enrollment_id)
    form = _partner_action(row, "vat")
    if not form.validate_on_submit():
        return render_show(row, 422, given={"vat": form})
    invoice = next((i for i in row.invoices if i.id == form.vat_invoice_id.data), None)
    if invoice is None:
        abort(404)
    try:
        vat = services.record_vat_invoice(invoice, form.vat_number.data or "",
                                          form.vat_issued_on.data, today(), current_user)
    except CommitmentRefused as error:
        return respond_to_refusal(error, partial(refused, row, "vat", form, error))
    flash(f"VAT invoice {vat.number} recorded for invoice {invoice.number}.", "success")
    return redirect(url_for("enrollments.show", enrollment_id=row.id))
