"""B4: who sees which invoices, and corrections by credit note (an issued invoice never
changes: the ORM and database triggers refuse it, billing.models).

A line is credited at most once, and an invoice's credit notes never take off more than
it invoiced. A credit note's line names no line of the invoice (it has no charge), so an
earlier credit is recognised by what it copies: the same customer, subscription, charge
type, period, unit price and the quantity and amount reversed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, or_, select

from accounts.models import Customer, User
from billing.models import Invoice, InvoiceLine
from billing.numbering import take_number
from billing.periods import BillingInputError
from billing.tax import totals
from persistence import db
from refusals import Refused


@dataclass(frozen=True)
class CreditProblem:
    """Why a credit note cannot be issued: its rule, a stable code and what to do."""

    rule: str
    code: str
    message: str
    field: str = "lines"


class CreditNoteRefused(Refused):
    """B4: the credit note would credit a line again, or more than the invoice invoiced."""

    default_field = "lines"


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
    number = take_number(invoice.issuer, "credit_note", today)  # locks the series
    problems = _over_credit(invoice, lines)  # read under that lock: racing notes queue
    if problems:
        db.session.rollback()  # the number goes back: the series stays gap-free
        raise CreditNoteRefused(problems)
    note = _credit_note(invoice, number, reason.strip(), today, lines)
    db.session.add(note)
    db.session.commit()
    return note


def _key(line: InvoiceLine, sign: int = 1) -> tuple:
    """What a credit of this line copies from it (quantity and amount times `sign`)."""
    return (line.customer_id, line.subscription_id, line.charge_type, line.period_start,
            line.period_end, sign * line.quantity, line.unit_price, sign * line.amount)


def _over_credit(invoice: Invoice, lines: list[InvoiceLine]) -> list[CreditProblem]:
    """B4: the chosen lines that earlier credit notes already reversed, and a total credit
    beyond what the invoice's lines invoiced (net of tax)."""
    earlier = db.session.scalars(select(InvoiceLine).join(Invoice).where(
        Invoice.corrects_invoice_id == invoice.id, Invoice.kind == "credit_note")).all()
    credited = Counter(_key(ln, -1) for ln in earlier)
    again = []
    for line in lines:
        if credited[_key(line)] > 0:
            credited[_key(line)] -= 1
            again.append(line)
    problems = [CreditProblem("B4", "B4.line_already_credited",
                              f"Line {ln.position} ({ln.description}) was already credited by "
                              "an earlier credit note; choose only lines not yet credited.")
                for ln in again]
    invoiced = sum((ln.amount for ln in invoice.lines), Decimal(0))
    fresh = [ln for ln in lines if ln not in again]  # a line credited again is named above
    total = -sum((ln.amount for ln in earlier), Decimal(0)) + sum(
        (ln.amount for ln in fresh), Decimal(0))
    if total > max(invoiced, Decimal(0)):
        problems.append(CreditProblem(
            "B4", "B4.credit_exceeds_invoice",
            f"Credit notes would take {total} {invoice.currency} (net of tax) off an invoice "
            f"of {invoiced} {invoice.currency}; credit at most what it invoiced."))
    return problems


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
