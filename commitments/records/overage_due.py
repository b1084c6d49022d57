"""What is still due of a month's overage, read from its invoice (O5, O6, O8).

A month's overage is invoiced with its statement; offsets credit that invoice (O3) and the
customer pays the rest on it, at once or in parts. So the invoice answers how much is still
due (its balance, and net of tax for the enrollment's figures: commitments.invoice_balance
.InvoiceFacts, the one reckoning the dunning's advice uses too) and the day nothing
was left: the day the month is settled, whether the last of it was paid or credited. The
dunning (commitments.dunning) stops on that day, and the page says "partly offset" or
"partly paid" until then. A monetary-commitment invoice is read the same way (invoice_facts,
settled_on) for its own dunning (commitments.unpaid).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from commitments import notices
from commitments.money import ZERO
from commitments.records import models


def settled_on(link: models.EnrollmentInvoice) -> date | None:
    """The day the invoice's balance came to nothing: its latest payment or credit note
    (an offset's); None while anything is due."""
    invoice = link.invoice
    if invoice.balance_due > ZERO:
        return None
    days = [p.paid_on for p in invoice.payments if p.amount > 0]
    days += [note.issue_date for note in invoice.credit_notes]
    return max(days, default=None)


def invoice_facts(link: models.EnrollmentInvoice) -> notices.InvoiceFacts:
    """A month's overage invoice, or a commitment order's, for the domain: number, due date,
    subtotal, total and VAT rate, each payment (a reversal negative) with VAT, and each
    credit note taken off it, net of tax and with VAT, dated."""
    invoice = link.invoice
    taken = tuple((p.paid_on, p.amount) for p in invoice.payments)
    credited = tuple((note.issue_date, -note.subtotal, -note.total)
                     for note in invoice.credit_notes)
    return notices.InvoiceFacts(link.number, link.due_on, invoice.subtotal, invoice.total,
                                taken, credited, tax_rate=Decimal(invoice.tax_rate))


def overage_invoices(row: models.Enrollment) -> dict[date, models.EnrollmentInvoice]:
    """Each overage month's invoice, by month."""
    return {i.overage_month: i for i in row.invoices if i.kind == "overage"}


@dataclass(frozen=True)
class MonthDue:
    """One month's overage as its invoice stands: invoiced (net of tax), offset by orders,
    still due (net of tax, and with tax on the invoice), the invoice's number and what was
    paid on it (with tax)."""

    invoiced: Decimal
    offset: Decimal
    due: Decimal
    due_with_tax: Decimal
    number: str
    paid_with_tax: Decimal = ZERO

    @property
    def paid(self) -> Decimal:
        """What the payments paid of the overage, net of tax: what is neither offset nor
        still due, so the three figures the page gives add up to the invoiced one."""
        if self.paid_with_tax <= ZERO:
            return ZERO
        return max(self.invoiced - self.offset - self.due, ZERO)

    @property
    def partly_settled(self) -> bool:
        """Part offset or paid, part still due."""
        return self.due > ZERO and (self.offset > ZERO or self.paid > ZERO)


def month_due(settlement: models.OverageSettlement, link: models.EnrollmentInvoice | None,
              today: date) -> MonthDue | None:
    """The month's overage as its invoice stands today; None before it is invoiced."""
    if link is None:
        return None
    offset = sum((o.amount_excl_tax for o in settlement.offsets), start=ZERO)
    facts = invoice_facts(link)
    paid = sum((p.amount for p in link.invoice.payments if p.paid_on <= today), start=ZERO)
    return MonthDue(link.amount_excl_tax, offset, facts.due_net(today),
                    facts.due_with_tax(today), link.number, paid)


def settled_net(link: models.EnrollmentInvoice, today: date) -> Decimal:
    """What of the invoice's overage (net of tax) is paid or credited by today."""
    return link.amount_excl_tax - invoice_facts(link).due_net(today)
