"""B4: who sees which invoices, and corrections by credit note (an issued invoice never
changes: the ORM and database triggers refuse it, billing.models)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import and_, or_, select

from accounts.models import Customer, User
from billing.models import Invoice, InvoiceLine
from billing.numbering import take_number
from billing.periods import BillingInputError
from billing.tax import totals
from persistence import db


def visible_invoices(user: User):
    """A select() of the invoices (and credit notes) this user may see: a provider admin
    all; a reseller's user its reseller's and those its reseller issued (OSPA, O6); a
    customer's user its own company's, when that company buys directly (a reseller's
    customer is invoiced by its reseller, not by us), and its reseller's OSPA invoices."""
    query = select(Invoice)
    if user.is_provider_admin:
        return query
    if user.is_reseller and user.reseller_id:
        # Its own invoices, and the OSPA invoices it issued to its customers (O6).
        return query.where(or_(Invoice.buyer_reseller_id == user.reseller_id,
                               Invoice.issuer == f"reseller:{user.reseller_id}"))
    if user.is_customer and user.customer_id:
        direct = select(Customer.id).where(Customer.id == user.customer_id,
                                           Customer.reseller_id.is_(None))
        from_partner = and_(Invoice.buyer_customer_id == user.customer_id,
                            Invoice.issuer.like("reseller:%"))  # its reseller's OSPA invoices
        return query.where(or_(Invoice.buyer_customer_id.in_(direct), from_partner))
    return query.where(Invoice.id.is_(None))


def issue_credit_note(invoice: Invoice, reason: str, today: date,
                      line_ids: list[int] | None = None) -> Invoice:
    """Correct an issued invoice: a credit note, numbered in its own gap-free series, that
    names the invoice and reverses the chosen lines (all by default) with its tax; commits."""
    if invoice.kind != "invoice":
        raise BillingInputError("invoice: only an invoice can be corrected by a credit note.")
    if not (reason or "").strip():
        raise BillingInputError("reason: say why the invoice is corrected.")
    lines = [ln for ln in invoice.lines if line_ids is None or ln.id in set(line_ids)]
    if not lines:
        raise BillingInputError("lines: choose at least one line of the invoice to credit.")
    number = take_number(invoice.issuer, "credit_note", today)
    note = _credit_note(invoice, number, reason.strip(), today, lines)
    db.session.add(note)
    db.session.commit()
    return note


def _credit_note(invoice: Invoice, number: str, reason: str, today: date,
                 lines: list[InvoiceLine]) -> Invoice:
    amount = -sum((ln.amount for ln in lines), Decimal(0))
    money = totals(amount, Decimal(invoice.tax_rate), invoice.tax_inclusive, invoice.currency)
    return Invoice(
        issuer=invoice.issuer, number=number, kind="credit_note", corrects_invoice_id=invoice.id,
        buyer_reseller_id=invoice.buyer_reseller_id,
        buyer_customer_id=invoice.buyer_customer_id, billing_month=invoice.billing_month,
        currency=invoice.currency, issue_date=today, due_date=today, payment_terms_days=0,
        tax_country=invoice.tax_country, tax_label=invoice.tax_label,
        tax_rate=invoice.tax_rate, tax_inclusive=invoice.tax_inclusive,
        subtotal=money.subtotal, tax=money.tax, total=money.total,
        buyer_name=invoice.buyer_name, buyer_address=invoice.buyer_address, note=reason,
        lines=[_reversed(ln, position) for position, ln in enumerate(lines, start=1)])


def _reversed(line: InvoiceLine, position: int) -> InvoiceLine:
    return InvoiceLine(
        customer_id=line.customer_id, customer_name=line.customer_name,
        subscription_id=line.subscription_id, subscription_label=line.subscription_label,
        description=f"Credit for {line.description}"[:300], charge_type=line.charge_type,
        period_start=line.period_start, period_end=line.period_end, quantity=-line.quantity,
        unit_price=line.unit_price, amount=-line.amount, position=position)
