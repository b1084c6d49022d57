"""What is still due of a month's overage, read from its invoice (O5, O6, O8).

A month's overage is invoiced with its statement; offsets credit that invoice (O3) and the
customer pays the rest on it. So the invoice answers how much is still due (its balance,
net of tax for the enrollment's figures) and the day nothing was left: the day the month is
settled, whether the last of it was paid or credited. The dunning (commitments.dunning)
stops on that day, and the page says "partly offset" until then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal

from commitments.money import ZERO
from commitments.records import models

CENT = Decimal("0.01")


def unpaid_net(invoice) -> Decimal:
    """What the invoice still asks for, net of tax (its balance due in the proportion of
    its subtotal to its total), to the cent below."""
    if invoice.total <= ZERO:
        return ZERO
    share = invoice.balance_due * invoice.subtotal / invoice.total
    return share.quantize(CENT, rounding=ROUND_DOWN)


def settled_on(link: models.EnrollmentInvoice) -> date | None:
    """The day the invoice's balance came to nothing: its latest payment or credit note
    (an offset's); None while anything is due."""
    invoice = link.invoice
    if invoice.balance_due > ZERO:
        return None
    days = [p.paid_on for p in invoice.payments if p.amount > 0]
    days += [note.issue_date for note in invoice.credit_notes]
    return max(days, default=None)


def overage_invoices(row: models.Enrollment) -> dict[date, models.EnrollmentInvoice]:
    """Each overage month's invoice, by month."""
    return {i.overage_month: i for i in row.invoices if i.kind == "overage"}


@dataclass(frozen=True)
class MonthDue:
    """One month's overage as its invoice stands: invoiced (net of tax), offset by orders,
    still due (net of tax, and with tax on the invoice) and the invoice's number."""

    invoiced: Decimal
    offset: Decimal
    due: Decimal
    due_with_tax: Decimal
    number: str

    @property
    def partly_offset(self) -> bool:
        return self.offset > ZERO and self.due > ZERO


def month_due(settlement: models.OverageSettlement,
              link: models.EnrollmentInvoice | None) -> MonthDue | None:
    """The month's overage as its invoice stands; None before it is invoiced."""
    if link is None:
        return None
    offset = sum((o.amount_excl_tax for o in settlement.offsets), start=ZERO)
    return MonthDue(link.amount_excl_tax, offset, unpaid_net(link.invoice),
                    link.invoice.balance_due, link.number)


def settled_net(link: models.EnrollmentInvoice) -> Decimal:
    """What of the invoice's overage (net of tax) is paid or credited."""
    return link.amount_excl_tax - unpaid_net(link.invoice)
