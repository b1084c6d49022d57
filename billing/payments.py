"""B4 payments: a provider admin records what a buyer paid against an invoice.

Partial payments add up; a payment above the balance due is refused (the message says the
balance), so an invoice is never over-paid. Payments are append-only like the ledger: a
payment recorded by mistake is reversed by a negative one, which needs its reason and can
take back no more than was paid. An invoice's status (paid, partially paid, unpaid,
overdue) follows from its payments and credit notes (billing.models.Invoice.status_on).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from billing.invoices import lock_invoice
from billing.models import Invoice, Payment, PaymentMethod
from billing.parties import invoice_money
from billing.periods import BillingInputError
from commitments.payment_terms import method_problems
from commitments.records.models import EnrollmentInvoice
from persistence import db
from persistence.money import minor_unit, round_money


@dataclass(frozen=True)
class PaymentInput:
    """A payment as the admin typed it."""

    amount: str
    paid_on: date | None
    method: str
    reference: str = ""
    reason: str = ""


def check_payment(invoice: Invoice, entry: PaymentInput, today: date) -> Decimal:
    """The payment's amount if it may be recorded; else BillingInputError naming the field
    and the fix. Writes nothing (the page asks for confirmation after this)."""
    if invoice.kind != "invoice":
        raise BillingInputError("invoice: payments are recorded against invoices; a credit "
                                "note is settled with the invoice it corrects.")
    amount = _amount(entry.amount, invoice.currency)
    _check_date(entry.paid_on, today)
    if entry.method not in PaymentMethod.LABELS:
        raise BillingInputError("method: choose wire transfer, cheque, card or other.")
    _check_ospa_method(invoice, entry.method)
    _check_amount(invoice, amount, entry.reason)
    return amount


def _check_ospa_method(invoice: Invoice, method: str) -> None:
    """O6: an Indirect OSPA invoice is paid by company wire transfer or cheque only, on
    every page that records a payment, not just the enrollment's."""
    if not method_problems(method):
        return
    linked = select(EnrollmentInvoice.id).where(EnrollmentInvoice.invoice_id == invoice.id)
    if invoice.id is not None and db.session.scalar(linked) is not None:
        raise BillingInputError("method: an Indirect OSPA invoice is paid by company wire "
                                "transfer or cheque (O6); choose one of them.")


def record_payment(invoice: Invoice, entry: PaymentInput, today: date,
                   recorded_by_id: int | None) -> Payment:
    """Record one payment (or reversal) against the invoice; commits. BillingInputError
    names the field and the fix."""
    lock_invoice(invoice)  # a racing payment or credit note is counted first
    amount = check_payment(invoice, entry, today)
    payment = Payment(invoice=invoice, amount=amount, paid_on=entry.paid_on,
                      method=entry.method, reference=(entry.reference or "").strip()[:120],
                      reason=(entry.reason or "").strip(), recorded_by_id=recorded_by_id)
    db.session.add(payment)
    db.session.commit()
    return payment


def _amount(text: str, currency: str) -> Decimal:
    try:
        amount = Decimal((text or "").strip().replace(",", ""))
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount == 0:
        raise BillingInputError("amount: enter the amount paid, e.g. 119.95 (negative, e.g. "
                                "-119.95, to reverse a payment).")
    unit = minor_unit(currency)
    if amount != amount.quantize(unit):
        raise BillingInputError(f"amount: {currency} has at most "
                                f"{-unit.as_tuple().exponent} decimals; enter e.g. "
                                f"{Decimal(1).quantize(unit)}.")
    return amount


def _check_date(paid_on: date | None, today: date) -> None:
    if paid_on is None:
        raise BillingInputError("paid_on: enter the day the money arrived, e.g. "
                                f"{today:%Y-%m-%d}.")
    if paid_on > today:
        raise BillingInputError(f"paid_on: {paid_on:%Y-%m-%d} is in the future; record a "
                                "payment once it has arrived.")


def _check_amount(invoice: Invoice, amount: Decimal, reason: str) -> None:
    balance = round_money(invoice.balance_due, invoice.currency)
    paid = round_money(invoice.amount_paid, invoice.currency)
    money = invoice_money(invoice)
    if amount > balance:
        raise BillingInputError(
            f"amount: {money(amount)} is more than the balance due of {money(balance)}; "
            "record at most the balance" + (" (the invoice is paid)." if balance == 0 else "."))
    if amount < 0 and not (reason or "").strip():
        raise BillingInputError("reason: say why the payment is reversed (e.g. the cheque "
                                "bounced).")
    if amount < 0 and -amount > paid:
        raise BillingInputError(f"amount: a reversal takes back at most what was paid, "
                                f"{money(paid)}.")
