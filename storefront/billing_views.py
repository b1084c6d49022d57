"""Invoices and credit notes (B4) for whoever is billed: the list, one invoice as a page, a
PDF and a CSV, and for a reseller the same invoice restated at its retail prices, per end
customer, to invoice them.

Provider admins see every invoice; a reseller's users their reseller's; a direct customer's
users their company's. Anyone else's invoice is "not found" (404) on every format.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Length, Optional

from accounts.models import Role
from billing import reinvoice as retail
from billing.documents import (
    KINDS,
    STATUS_LABELS,
    STATUSES,
    Filters,
    invoice_buyers,
    invoice_for,
    invoice_list,
    invoice_months,
)
from billing.models import Invoice, PaymentMethod
from billing.payments import PaymentInput, check_payment, record_payment
from billing.periods import BillingInputError
from persistence import db, utcnow
from storefront import consequences
from storefront.confirmation import unconfirmed
from storefront.forms import options
from storefront.invoice_documents import (
    CSV_HEADER,
    PdfUnavailable,
    charge_label,
    csv_rows,
    document,
    money_formatter,
    pdf,
    percent_formatter,
)
from storefront.pagination import paginate
from storefront.security import roles_required
from storefront.tables import csv_download

bp = Blueprint("billing", __name__, url_prefix="/invoices")
billed_roles = roles_required(Role.PROVIDER_ADMIN, Role.RESELLER_USER, Role.CUSTOMER_USER)


class PaymentForm(FlaskForm):
    """A payment (or, negative, a reversal) recorded by a provider admin."""

    amount = StringField("Amount (negative to reverse a payment)", validators=[Length(max=20)])
    paid_on = DateField("Paid on", validators=[Optional()])
    method = SelectField("Method", choices=options(PaymentMethod.LABELS.items()))
    reference = StringField("Reference (bank transfer id, cheque number…)",
                            validators=[Length(max=120)])
    reason = StringField("Reason (required for a reversal)", validators=[Length(max=300)])


def _invoice_or_404(invoice_id: int) -> Invoice:
    return invoice_for(current_user, invoice_id) or abort(404)


@bp.get("")
@billed_roles
def invoices():
    """The reader's invoices, newest first, by month, kind and (admins) buyer."""
    args = {name: request.args.get(name, "") for name in ("month", "kind", "buyer", "status")}
    if not current_user.is_provider_admin:
        args["buyer"] = ""
    errors, status = {}, 200
    try:
        filters = Filters.read(**args)
        page = paginate(invoice_list(current_user, filters))
    except BillingInputError as refused:
        field, _, message = str(refused).partition(": ")
        errors, status, page = {field: message}, 400, None
    return render_template(
        "billing/invoices.html", page=page, args=args, errors=errors, kinds=KINDS,
        statuses=STATUSES, status_label=STATUS_LABELS.get,
        query={name: value for name, value in args.items() if value and name not in errors},
        months=invoice_months(current_user),
        buyers=invoice_buyers() if current_user.is_provider_admin else [],
        money=lambda invoice, amount: money_formatter(invoice)(amount)), status


@bp.get("/<int:invoice_id>")
@billed_roles
def invoice(invoice_id: int):
    found = _invoice_or_404(invoice_id)
    form = PaymentForm(paid_on=utcnow().date()) if current_user.is_provider_admin else None
    return _invoice_page(found, form)


def _invoice_page(found: Invoice, form: PaymentForm | None, status: int = 200):
    payable = form is not None and found.kind == "invoice"
    return render_template("billing/invoice.html", **document(found),
                           reinvoicable=retail.reinvoicable(found),
                           payment_form=form if payable else None,
                           payment_consequence=consequences.record_payment(found)), status


@bp.post("/<int:invoice_id>/payments")
@roles_required(Role.PROVIDER_ADMIN)
def payment(invoice_id: int):
    """Record a payment or a reversal (admins only), after confirmation: payments are
    append-only, so the consequence is said first."""
    found = _invoice_or_404(invoice_id)
    form = PaymentForm()
    if not form.validate_on_submit():
        return _invoice_page(found, form, 422)
    entry = PaymentInput(form.amount.data, form.paid_on.data, form.method.data,
                         form.reference.data, form.reason.data)
    today = utcnow().date()
    try:
        amount = check_payment(found, entry, today)
        if page := unconfirmed(consequences.record_payment(found, amount)):
            return page
        record_payment(found, entry, today, current_user.id)
    except BillingInputError as refused:
        field, _, message = str(refused).partition(": ")
        getattr(form, field, form.amount).errors = [message]
        return _invoice_page(found, form, 422)
    money = money_formatter(found)
    flash(f"Payment of {money(amount)} recorded against {found.number}: "
          f"{STATUS_LABELS[found.status].lower()}, balance due {money(found.balance_due)}.",
          "success")
    return redirect(url_for("billing.invoice", invoice_id=found.id))


@bp.get("/<int:invoice_id>.pdf")
@billed_roles
def invoice_pdf(invoice_id: int):
    found = _invoice_or_404(invoice_id)
    try:
        body = pdf(found)
    except PdfUnavailable:
        abort(503, description="PDFs cannot be made on this server right now (its PDF "
              "library is missing); the page and the CSV have the same figures.")
    return Response(body, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{found.number}.pdf"'})


@bp.get("/<int:invoice_id>.csv")
@billed_roles
def invoice_csv(invoice_id: int):
    found = _invoice_or_404(invoice_id)
    return csv_download(f"{found.number}.csv", CSV_HEADER,
                        lambda: csv_rows(db.session.get(Invoice, invoice_id)))


@bp.get("/<int:invoice_id>/reinvoice")
@billed_roles
def reinvoice(invoice_id: int):
    """The reseller's invoice at its retail prices, one statement per end customer."""
    found = _invoice_or_404(invoice_id)
    if not retail.reinvoicable(found):
        abort(404)
    statements = retail.statements(found)
    chosen = request.args.get("customer", type=int)
    shown = [s for s in statements if chosen in (None, s.customer_id)]
    if not shown and chosen is not None:
        abort(404)  # no end customer of that id on this invoice
    return render_template("billing/reinvoice.html", invoice=found, statements=shown,
                           all_statements=statements, chosen=chosen,
                           money=money_formatter(found), percent=percent_formatter(found),
                           charge_label=charge_label)
