"""O6: an Indirect OSPA partner's invoice to its customer, issued as a billing invoice.

The partner (the provider, or the customer's reseller) is the issuer, so its OSPA invoices
take the next numbers of its own gap-free series (billing.numbering), appear on the same
invoice pages, PDF, CSV and API to whoever may see them (the customer, the issuing
reseller, the provider's admins), never change once issued, and are paid by recorded
payments. The O6 rules (the partner issues it, 30 days to pay, the figures excluding tax
in RMB) stay in commitments.invoices; this only writes down what they decided. An offset
(O3) credits it by a credit note; the one of all that is left after payments of part takes
the balance the page asked for, net and with VAT (commitments.invoice_balance, B5).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from flask import Flask

from accounts.models import Customer
from billing.invoices import CreditNoteRefused, add_credit_note
from billing.models import Invoice, InvoiceLine
from billing.numbering import take_number
from billing.parties import snapshot
from billing.periods import month_of
from commitments.invoices import Invoice as OspaInvoice
from commitments.invoices import InvoiceKind
from commitments.problems import CommitmentRefused, Problem
from commitments.records import invoicing
from commitments.records.models import Enrollment, EnrollmentInvoice
from persistence import db
from persistence.money import add_months

CURRENCY, COUNTRY = "CNY", "CN"  # OSPA is sold in China, priced in RMB (O1)
DESCRIPTIONS = {InvoiceKind.COMMITMENT: "Monetary commitment",
                InvoiceKind.OVERAGE: "Overage"}


def issue_ospa_invoice(row: Enrollment, ospa: OspaInvoice, *, order_id: int | None = None,
                       overage_month: date | None = None) -> EnrollmentInvoice:
    """Issue the partner's invoice with the next number of its series and link it to the
    enrollment; the caller commits (the number's lock is held until then)."""
    number = take_number(ospa.issued_by, "invoice", ospa.issued_on)
    start, end = _period(ospa, overage_month)
    customer = db.session.get(Customer, row.customer_id)
    description = f"{DESCRIPTIONS[ospa.kind]}, enrollment {row.number}"
    if overage_month is not None:
        description += f", {overage_month:%B %Y}"
    invoice = Invoice(
        issuer=ospa.issued_by, number=number, kind="invoice",
        buyer_customer_id=row.customer_id, billing_month=month_of(start), currency=CURRENCY,
        issue_date=ospa.issued_on, due_date=ospa.due_on,
        payment_terms_days=(ospa.due_on - ospa.issued_on).days, tax_country=COUNTRY,
        tax_label="VAT", tax_rate=ospa.tax_rate, tax_inclusive=False,
        subtotal=ospa.amount_excl_tax, tax=ospa.tax, total=ospa.total,
        note=f"Indirect OSPA enrollment {row.number} (O6).",
        **snapshot(ospa.issued_by, None, row.customer_id),
        lines=[InvoiceLine(
            customer_id=row.customer_id, customer_name=customer.company_name,
            subscription_label=f"Enrollment {row.number}", description=description,
            charge_type=ospa.kind.value, period_start=start, period_end=end, quantity=1,
            unit_price=ospa.amount_excl_tax, amount=ospa.amount_excl_tax, position=1)])
    link = EnrollmentInvoice(invoice=invoice, kind=ospa.kind.value, order_id=order_id,
                             overage_month=overage_month)
    row.invoices.append(link)
    return link


def _period(ospa: OspaInvoice, overage_month: date | None) -> tuple[date, date]:
    """An overage bills its month; a commitment order the day it was invoiced."""
    if overage_month is None:
        return ospa.issued_on, ospa.issued_on
    first = overage_month.replace(day=1)
    return first, add_months(first, 1) - timedelta(days=1)


def credit_ospa_invoice(link: EnrollmentInvoice, amount: Decimal, reason: str,
                        today: date, total: Decimal | None = None) -> Invoice:
    """Credit part of an OSPA invoice's one line (an overage offset by an order, O3) with
    billing's credit-note service, its tax computed there, or, with `total`, the note
    taking exactly that with VAT (the offset of all that is left); the caller commits.
    Billing's refusal (B4) is the enrollment's, its problems beside the offset's amount:
    the enrollment page shows the enrollment's refusals by their fields."""
    try:
        return add_credit_note(link.invoice, reason, today, amount=amount, total=total)
    except CreditNoteRefused as refused:
        raise CommitmentRefused([Problem(p.rule, p.code, p.message, "amount")
                                 for p in refused.problems]) from refused


def register(app: Flask) -> None:
    """Hand the enrollment services this issuer and crediter (commitments cannot import
    billing)."""
    app.extensions[invoicing.EXTENSION] = issue_ospa_invoice
    app.extensions[invoicing.CREDIT_EXTENSION] = credit_ospa_invoice
