"""O6: in Indirect OSPA the partner sets prices and invoices; payment terms are 30 days.

Seed 000: "Indirect OSPA customers pay directly to partners ... Partner will issue VAT invoice
to customer once payment is completed" and "Customer have 30 days standard payment term".
So an invoice (a commitment order or a month's overage) comes from the enrollment's partner,
falls due 30 days after its date, and the VAT invoice (fapiao) follows payment, never before.
The tax rate is the partner's to set; amounts are excluding tax, as commitments are (O1).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from commitments.enrollment import Enrollment
from commitments.money import ZERO, to_money
from commitments.orders import CommitmentOrder
from commitments.problems import Problem, problem, refuse_if_any
from commitments.schedule import PAYMENT_TERM_DAYS, payment_due_date

RULE = "O6"


class InvoiceKind(StrEnum):
    """What an invoice bills: a commitment order or a month's overage."""

    COMMITMENT = "commitment"
    OVERAGE = "overage"


@dataclass(frozen=True)
class Invoice:
    """A partner's invoice to the customer of an enrollment."""

    number: str
    enrollment_number: str
    issued_by: str
    kind: InvoiceKind
    issued_on: date
    amount_excl_tax: Decimal
    tax_rate: Decimal
    payment_terms_days: int = PAYMENT_TERM_DAYS  # the partner's terms for the enrollment

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount_excl_tax", to_money(self.amount_excl_tax))

    @property
    def tax(self) -> Decimal:
        """The tax on the invoice, rounded to fen."""
        return to_money(self.amount_excl_tax * self.tax_rate)

    @property
    def total(self) -> Decimal:
        """What the customer pays the partner."""
        return self.amount_excl_tax + self.tax

    @property
    def due_on(self) -> date:
        """Invoice date plus the payment term (30 days unless the partner set another)."""
        return payment_due_date(self.issued_on, self.payment_terms_days)


def invoice_problems(enrollment: Enrollment, invoice: Invoice) -> list[Problem]:
    """O6 problems: the invoice must come from the enrollment's partner, for a positive amount."""
    found = []
    if invoice.enrollment_number != enrollment.number:
        message = f"Invoice {invoice.number} is not for enrollment {enrollment.number}."
        found.append(problem(RULE, "wrong_enrollment", message, "enrollment_number"))
    if invoice.issued_by != enrollment.partner_id:
        message = "In Indirect OSPA the customer is invoiced by its partner only."
        found.append(problem(RULE, "invoice_not_from_partner", message, "issued_by"))
    if invoice.amount_excl_tax <= ZERO:
        message = "An invoice must be for more than RMB 0.00."
        found.append(problem(RULE, "amount_not_positive", message, "amount_excl_tax"))
    if invoice.tax_rate < ZERO:
        message = "A tax rate cannot be negative."
        found.append(problem(RULE, "negative_tax_rate", message, "tax_rate"))
    return found


def invoice_for_order(
    enrollment: Enrollment, order: CommitmentOrder, number: str, issued_on: date, tax_rate: Decimal,
    payment_terms_days: int = PAYMENT_TERM_DAYS,
) -> Invoice:
    """The partner's invoice for a commitment order, or CommitmentRefused."""
    invoice = Invoice(
        number,
        enrollment.number,
        enrollment.partner_id,
        InvoiceKind.COMMITMENT,
        issued_on,
        order.amount_excl_tax,
        tax_rate,
        payment_terms_days,
    )
    refuse_if_any(invoice_problems(enrollment, invoice))
    return invoice


def invoice_for_overage(
    enrollment: Enrollment, amount: Decimal, number: str, issued_on: date, tax_rate: Decimal,
    payment_terms_days: int = PAYMENT_TERM_DAYS,
) -> Invoice:
    """The partner's invoice for a month's overage, charged at the commitment rates."""
    invoice = Invoice(
        number,
        enrollment.number,
        enrollment.partner_id,
        InvoiceKind.OVERAGE,
        issued_on,
        amount,
        tax_rate,
        payment_terms_days,
    )
    refuse_if_any(invoice_problems(enrollment, invoice))
    return invoice


def is_overdue(invoice: Invoice, paid_on: date | None, today: date) -> bool:
    """Whether the invoice was not paid by its due date and that date has passed."""
    return today > invoice.due_on and (paid_on is None or paid_on > invoice.due_on)


def vat_invoice_problems(invoice: Invoice, paid_on: date | None, today: date) -> list[Problem]:
    """O6.vat_invoice_before_payment: the partner issues the VAT invoice only once paid."""
    if paid_on is not None and paid_on <= today:
        return []
    message = f"The VAT invoice for {invoice.number} is issued once it has been paid."
    return [problem(RULE, "vat_invoice_before_payment", message, "paid_on")]
