"""O8: an unpaid monetary-commitment invoice leads to suspension, like unpaid overage does.

Seed 000 ("Contract Effective"): "Customer will have 30 days as standard payment term, they can
use the services first ... if customer fail to make payment on their Monetary commitment
purchase and submission of annual order, their services will be suspended". The suspension
process is the seed's Payment Advice, "the first customer communication that all Azure services
will be suspended upon payment due, and is to fulfill the 30 days in advance notification",
followed by the "Payment due date -3 weeks notification" and "Payment due date -1 week
notification"; by the payment due date, unpaid, the agreement is suspended.

So, per commitment invoice: the payment advice goes out the day after the invoice's own 30-day
term ends unpaid; it gives 30 days to pay; reminders 21 and 7 days before that date; suspension
on it. Invoices issued on the same day are one advice (their key is the issue date). A payment
recorded by the time the job runs on a day stops everything still to come; a payment or credit
note of part lowers what each notice from that day on asks for to what is left, net of tax and
with VAT, to the fen (the reckoning of a partly paid overage month, commitments.notices
.InvoiceFacts).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

from commitments.enrollment import Status
from commitments.money import format_rmb
from commitments.notices import (
    Candidate,
    CommitmentInvoiceFacts,
    EnrollmentFacts,
    Notice,
    NoticeKey,
    NoticeKind,
)
from commitments.schedule import PaymentAdviceTimeline, unpaid_invoice_timeline

RULE = "O8"
_RUNNING = frozenset({Status.ACTIVE, Status.SUSPENDED})
_DAY = timedelta(days=1)


def commitment_advice_timeline(invoice_due_on: date) -> PaymentAdviceTimeline:
    """Advice the day after the invoice falls due unpaid; 30 days to pay; reminders; suspension
    (the schedule of any unpaid invoice, commitments.schedule.unpaid_invoice_timeline)."""
    return unpaid_invoice_timeline(invoice_due_on)


def _paid_by(invoice: CommitmentInvoiceFacts, day: date) -> bool:
    return invoice.paid_on is not None and invoice.paid_on <= day


def unpaid_on(facts: EnrollmentFacts, day: date) -> dict[date, list[CommitmentInvoiceFacts]]:
    """Commitment invoices past their 30-day term and not paid by `day`, by issue date."""
    found: dict[date, list[CommitmentInvoiceFacts]] = {}
    for invoice in facts.commitment_invoices:
        if invoice.due_on < day and not _paid_by(invoice, day):
            found.setdefault(invoice.issued_on, []).append(invoice)
    return found


def still_due(invoices: list[CommitmentInvoiceFacts], day: date) -> Decimal:
    """What is left of the invoices on `day`, net of tax: each one's balance after payments
    and credit notes, to the fen (commitments.notices.InvoiceFacts.due_net)."""
    return sum((i.due_net(day) for i in invoices), start=Decimal(0))


def owed(invoices: list[CommitmentInvoiceFacts], day: date) -> str:
    """What the advice, the reminders and the page say is owed on `day`, e.g. "RMB 90,566.04
    of the monetary commitment invoice of 2025-03-20 (RMB 96,000.00 with VAT on INV-1)"."""
    plural = "s" if len(invoices) > 1 else ""
    text = (f"{format_rmb(still_due(invoices, day))} of the monetary commitment "
            f"invoice{plural} of {invoices[0].issued_on.isoformat()}")
    billed = [i.invoice for i in invoices if i.invoice is not None]
    if billed and len(billed) == len(invoices):
        with_tax = sum((b.due_with_tax(day) for b in billed), start=Decimal(0))
        text += f" ({format_rmb(with_tax)} with VAT on {', '.join(b.number for b in billed)})"
    return text


def _advice(number: str, invoices: list[CommitmentInvoiceFacts],
            timeline: PaymentAdviceTimeline, today: date) -> Iterator[Candidate]:
    """The advice and two reminders, each for what is left on the day it is sent (O8)."""
    issued_on, last = invoices[0].issued_on, timeline.due_on - _DAY
    amount, text = still_due(invoices, today), owed(invoices, today)
    key = NoticeKey(number, NoticeKind.COMMITMENT_PAYMENT_ADVICE, issued_on)
    message = f"Payment advice: {text} is unpaid; services will be suspended if it is unpaid" \
        f" on {timeline.due_on.isoformat()}."
    yield Candidate(Notice(key, timeline.advice_on, message, amount, timeline.due_on), last)
    for detail, day in ((1, timeline.first_reminder_on), (2, timeline.second_reminder_on)):
        key = NoticeKey(number, NoticeKind.COMMITMENT_PAYMENT_REMINDER, issued_on, detail)
        message = f"Reminder: {text} must be paid by {timeline.due_on.isoformat()}."
        yield Candidate(Notice(key, day, message, amount, timeline.due_on), last)


def unpaid_commitment_candidates(facts: EnrollmentFacts, today: date) -> Iterator[Candidate]:
    """Payment advice, two reminders and the suspension for each unpaid commitment invoice."""
    enrollment = facts.enrollment
    if enrollment.status not in _RUNNING:
        return
    for issued_on, invoices in unpaid_on(facts, today).items():
        timeline = commitment_advice_timeline(max(i.due_on for i in invoices))
        amount = still_due(invoices, today)
        yield from _advice(enrollment.number, invoices, timeline, today)
        if enrollment.status is Status.ACTIVE:
            key = NoticeKey(enrollment.number, NoticeKind.SUSPEND_FOR_UNPAID_COMMITMENT, issued_on)
            message = "Suspend the enrollment: the monetary commitment invoice fell due unpaid."
            notice = Notice(key, timeline.due_on, message, amount, timeline.due_on)
            yield Candidate(notice, date.max)
