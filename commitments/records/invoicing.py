"""O6 invoices are issued as billing invoices (one model, one gap-free numbering per
issuer, one set of pages). Billing sits above commitments in the layers, so the app hands
its issuer, and its credit-note service for overage offsets (O3), in at start-up
(billing.ospa.register) and the enrollment services call them here.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Protocol

from flask import current_app

from commitments.invoices import Invoice
from commitments.records import models

EXTENSION = "ospa_invoicer"
CREDIT_EXTENSION = "ospa_crediter"


class OspaInvoicer(Protocol):
    def __call__(self, row: models.Enrollment, invoice: Invoice, *, order_id: int | None,
                 overage_month: date | None) -> models.EnrollmentInvoice: ...


def issue(row: models.Enrollment, invoice: Invoice, *, order_id: int | None = None,
          overage_month: date | None = None) -> models.EnrollmentInvoice:
    """Issue the partner's invoice (its number is taken now); the caller commits."""
    invoicer: OspaInvoicer = current_app.extensions[EXTENSION]
    return invoicer(row, invoice, order_id=order_id, overage_month=overage_month)


class OspaCrediter(Protocol):
    def __call__(self, link: models.EnrollmentInvoice, amount: Decimal, reason: str,
                 today: date, total: Decimal | None = None): ...


def credit(link: models.EnrollmentInvoice, amount: Decimal, reason: str, today: date,
           total: Decimal | None = None):
    """Credit `amount` (excluding tax) of the partner's invoice by a credit note that names
    it (B4), numbered in the partner's series; with `total`, the note takes exactly that
    with VAT (all that is left, commitments.invoice_balance). The caller commits."""
    crediter: OspaCrediter = current_app.extensions[CREDIT_EXTENSION]
    return crediter(link, amount, reason, today, total)
