"""Invoices and credit notes (B4) for a reseller's or a direct customer's own systems (an
ERP importing what it owes): its owner's only; anyone else's is 404."""

from __future__ import annotations

from flask import abort, jsonify

from billing.documents import Filters, invoice_for, invoice_list
from persistence import db
from storefront.api import envelope, operation, query, scope
from storefront.api.invoice_schemas import InvoiceDetailSchema, InvoiceQuery, InvoiceSchema
from storefront.api.schemas import page_of

InvoicePage = page_of(InvoiceSchema)


@operation("/invoices", "GET", summary="List invoices", tag="invoices",
           ok=(200, InvoicePage), query=InvoiceQuery, errors=(400,))
def list_invoices():
    """The token owner's invoices and credit notes, newest first; optionally of one billing
    month (YYYY-MM), one kind or one payment status (with status, amount_paid and
    balance_due on each). Without their lines: read one invoice for those."""
    args = query(InvoiceQuery())
    rows = invoice_list(scope.user(), Filters(month=args["month"], kind=args["kind"],
                                              status=args["status"]))
    page = db.paginate(rows, page=args["page"], per_page=50, error_out=False)
    return jsonify(InvoicePage().dump(envelope(page, page.items)))


@operation("/invoices/<int:invoice_id>", "GET", summary="Read an invoice", tag="invoices",
           ok=(200, InvoiceDetailSchema), errors=(404,))
def get_invoice(invoice_id: int):
    """One invoice or credit note with its lines, grouped in order by customer and
    subscription (`position`)."""
    found = invoice_for(scope.user(), invoice_id) or abort(404)
    return jsonify(InvoiceDetailSchema().dump(found))
