"""Invoices and credit notes (B4) for whoever is billed: the list, one invoice as a page, a
PDF and a CSV, and for a reseller the same invoice restated at its retail prices, per end
customer, to invoice them.

Provider admins see every invoice; a reseller's users their reseller's; a direct customer's
users their company's. Anyone else's invoice is "not found" (404) on every format.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request, stream_with_context
from flask_login import current_user

from accounts.models import Role
from billing import reinvoice as retail
from billing.documents import (
    KINDS,
    Filters,
    invoice_buyers,
    invoice_for,
    invoice_list,
    invoice_months,
)
from billing.models import Invoice
from billing.periods import BillingInputError
from exports.spreadsheet import csv_lines, download_headers
from storefront.invoice_documents import (
    CSV_HEADER,
    PdfUnavailable,
    charge_label,
    csv_rows,
    document,
    money_formatter,
    pdf,
    percent,
)
from storefront.pagination import paginate
from storefront.security import roles_required

bp = Blueprint("billing", __name__, url_prefix="/invoices")
billed_roles = roles_required(Role.PROVIDER_ADMIN, Role.RESELLER_USER, Role.CUSTOMER_USER)


def _invoice_or_404(invoice_id: int) -> Invoice:
    return invoice_for(current_user, invoice_id) or abort(404)


@bp.get("")
@billed_roles
def invoices():
    """The reader's invoices, newest first, by month, kind and (admins) buyer."""
    args = {name: request.args.get(name, "") for name in ("month", "kind", "buyer")}
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
        query={name: value for name, value in args.items() if value and name not in errors},
        months=invoice_months(current_user),
        buyers=invoice_buyers() if current_user.is_provider_admin else [],
        money=lambda invoice, amount: money_formatter(invoice)(amount)), status


@bp.get("/<int:invoice_id>")
@billed_roles
def invoice(invoice_id: int):
    found = _invoice_or_404(invoice_id)
    return render_template("billing/invoice.html", **document(found),
                           reinvoicable=retail.reinvoicable(found))


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
    return Response(stream_with_context(csv_lines(CSV_HEADER, csv_rows(found))),
                    headers=download_headers(f"{found.number}.csv"))


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
                           money=money_formatter(found), percent=percent,
                           charge_label=charge_label)
