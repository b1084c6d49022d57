"""Payment advice and suspension for unpaid overage and missing annual orders (O8, seed 000).

Dates come from commitments.schedule. A payment, answer or order counts from the day it is
recorded, so one recorded on or before the due date (before the job runs) prevents suspension.
A month offset in full by commitment orders (commitments.offsets) is settled on the day the
offsets covered it. A partial offset answers the notification for the part it covers only:
the rest is unpaid overage like any other, so the payment advice, its reminders and the
suspension on the due date follow the month's O8 dates for it, until it is paid or offset.

A month answered by the 15th with no offset by then (to pay; an answer recorded without an
option means the same) gets no advice on the 16th: the seed issues that one when the customer
does "not respond to overage notification by the 15th". Its overage invoice runs its payment
term instead, and unpaid after it the month is dunned as any unpaid invoice is (as an unpaid
commitment invoice, commitments.unpaid): payment advice the day after the invoice fell due,
30 days' notice, reminders 3 weeks and 1 week before, suspension on the payment due date.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from commitments.balance import overage_by_month
from commitments.enrollment import TERM_YEARS, Status
from commitments.extended_term import extended_term_overage
from commitments.money import format_rmb
from commitments.notices import (
    Candidate,
    EnrollmentFacts,
    Notice,
    NoticeKey,
    NoticeKind,
    OverageSettlement,
)
from commitments.orders import OrderKind
from commitments.schedule import (
    PaymentAdviceTimeline,
    annual_order_timeline,
    overage_timeline,
    payment_due_date,
    unpaid_invoice_timeline,
)

_RUNNING = frozenset({Status.ACTIVE, Status.SUSPENDED})
_DAY = timedelta(days=1)


def _on_or_before(recorded: date | None, day: date) -> bool:
    return recorded is not None and recorded <= day


def monthly_overage(facts: EnrollmentFacts, today: date) -> dict[date, Decimal]:
    """New overage per month across the enrollment's commitment years, up to today."""
    enrollment, months = facts.enrollment, {}
    for year in range(1, TERM_YEARS + 1):
        if enrollment.anniversary(year - 1) > today:
            break
        found = overage_by_month(enrollment.start, facts.orders, facts.usage, year, today,
                                 facts.offsets)
        for month, amount in found.items():
            months[month] = months.get(month, Decimal(0)) + amount
    # The Extended Term clause: usage after the end date is all overage (O8, O9).
    extended = extended_term_overage(enrollment, facts.usage, facts.renewed, today)
    for month, amount in extended.items():
        months[month] = months.get(month, Decimal(0)) + amount
    return months


def _advice_candidates(
    facts: EnrollmentFacts,
    anchor: date,
    advice: PaymentAdviceTimeline,
    kinds: tuple[NoticeKind, NoticeKind, NoticeKind],
    amount: Decimal | None,
    unpaid: str | None = None,
) -> Iterator[Candidate]:
    """The payment advice, its two reminders and the suspension on the due date; `unpaid`
    says what is owed (the overage still due), so each message names the amount."""
    number, (advice_kind, reminder_kind, suspend_kind) = facts.enrollment.number, kinds
    last, due = advice.due_on - _DAY, advice.due_on.isoformat()
    message = "Payment advice: services will be suspended if unpaid by the due date."
    if unpaid:
        message = (f"Payment advice: {unpaid} is unpaid; services will be suspended if it is "
                   f"unpaid on {due}.")
    yield Candidate(
        Notice(NoticeKey(number, advice_kind, anchor), advice.advice_on, message, amount,
               advice.due_on),
        last,
    )
    for detail, day in ((1, advice.first_reminder_on), (2, advice.second_reminder_on)):
        message = f"Reminder: {unpaid} must be paid by {due}." if unpaid else \
            f"Reminder: payment is due on {due}."
        notice = Notice(
            NoticeKey(number, reminder_kind, anchor, detail), day, message, amount, advice.due_on
        )
        yield Candidate(notice, last)
    if facts.enrollment.status is Status.ACTIVE:
        message = "Suspend the enrollment: the payment advice fell due unpaid."
        yield Candidate(
            Notice(
                NoticeKey(number, suspend_kind, anchor),
                advice.due_on,
                message,
                amount,
                advice.due_on,
            ),
            date.max,
        )


_OVERAGE_ADVICE = (
    NoticeKind.OVERAGE_PAYMENT_ADVICE,
    NoticeKind.OVERAGE_PAYMENT_REMINDER,
    NoticeKind.SUSPEND_FOR_UNPAID_OVERAGE,
)
_ANNUAL_ADVICE = (
    NoticeKind.ANNUAL_ORDER_PAYMENT_ADVICE,
    NoticeKind.ANNUAL_ORDER_PAYMENT_REMINDER,
    NoticeKind.SUSPEND_FOR_MISSING_ANNUAL_ORDER,
)


def _answered_in_time(settled: OverageSettlement, respond_by: date) -> bool:
    """Answered by the 15th, and not by offsetting part (that answers for the part only)."""
    return _on_or_before(settled.answered_on, respond_by) and not settled.offset_by(respond_by)


def advice_timeline(month: date, settled: OverageSettlement) -> PaymentAdviceTimeline:
    """When the month's unpaid overage is advised, reminded and falls due (O8): the seed's
    overage dates unless answered in time; then those of its invoice left unpaid."""
    timeline = overage_timeline(month)
    if not _answered_in_time(settled, timeline.respond_by):
        return timeline.advice
    # The invoice goes out with the statement; before it exists, on the standard terms (O6).
    invoice_due = settled.invoice.due_on if settled.invoice else \
        payment_due_date(timeline.statement_on)
    return unpaid_invoice_timeline(invoice_due)


def _overage_month(
    facts: EnrollmentFacts, month: date, amount: Decimal, settled: OverageSettlement, today: date
) -> Iterator[Candidate]:
    timeline, number = overage_timeline(month), facts.enrollment.number
    last = timeline.advice.due_on - _DAY
    text = f"Overage of {format_rmb(amount)} for {month:%Y-%m}"
    yield Candidate(
        Notice(
            NoticeKey(number, NoticeKind.OVERAGE_STATEMENT, month),
            timeline.statement_on,
            f"{text}: statement.",
            amount,
        ),
        last,
    )
    if _on_or_before(settled.settled_by(amount), today):
        return  # paid, or offset in full (O3): settled on that day
    yield Candidate(
        Notice(
            NoticeKey(number, NoticeKind.OVERAGE_NOTIFICATION, month),
            timeline.notification_on,
            f"{text}: choose how to settle by {timeline.respond_by:%d %B}.",
            amount,
        ),
        last,
    )
    payable, unpaid = _owed(month, amount, settled, today)
    yield from _advice_candidates(facts, month, advice_timeline(month, settled),
                                  _OVERAGE_ADVICE, payable, unpaid)


def _owed(month: date, amount: Decimal, settled: OverageSettlement,
          today: date) -> tuple[Decimal, str]:
    """What is still payable of the month, and how the advice says it: what payments and
    offsets made since left of it (O3, O8)."""
    payable = settled.still_due(amount, today)
    unpaid = f"{format_rmb(payable)} of the {month:%Y-%m} overage"
    if settled.invoice is not None:
        with_tax = settled.invoice.due_with_tax(today)
        unpaid += f" ({format_rmb(with_tax)} with VAT on {settled.invoice.number})"
    return payable, unpaid


@dataclass(frozen=True)
class UnpaidOverage:
    """A month whose overage is stated and not settled: what is owed, as the advice says it,
    and the dates it is dunned by (advice_timeline)."""

    month: date
    owed: str
    advice: PaymentAdviceTimeline


def unpaid_overage(facts: EnrollmentFacts, today: date) -> list[UnpaidOverage]:
    """Each month, oldest first, whose overage statement went out and that is neither paid
    nor offset in full on `today`: the months overage_candidates dunns, on its dates."""
    if facts.enrollment.status not in _RUNNING:
        return []
    found = []
    for month, amount in sorted(monthly_overage(facts, today).items()):
        settled = facts.settlement(month)
        if overage_timeline(month).statement_on > today or \
                _on_or_before(settled.settled_by(amount), today):
            continue
        owed = _owed(month, amount, settled, today)[1]
        found.append(UnpaidOverage(month, owed, advice_timeline(month, settled)))
    return found


def overage_candidates(facts: EnrollmentFacts, today: date) -> Iterator[Candidate]:
    """Statement, notification, payment advice, reminders and suspension per overage month."""
    if facts.enrollment.status not in _RUNNING:
        return
    for month, amount in monthly_overage(facts, today).items():
        yield from _overage_month(facts, month, amount, facts.settlement(month), today)


def _annual_order_submitted(facts: EnrollmentFacts, year: int) -> date | None:
    dates = [o.submitted_on for o in facts.orders if o.kind is OrderKind.ANNUAL and o.year == year]
    return min(dates, default=None)


def missing_annual_order_candidates(facts: EnrollmentFacts, today: date) -> Iterator[Candidate]:
    """Payment advice, reminders and suspension when a year 2 or 3 order missed its deadline."""
    if facts.enrollment.status not in _RUNNING:
        return
    for year in (2, 3):
        timeline = annual_order_timeline(facts.enrollment.anniversary(year - 1))
        submitted = _annual_order_submitted(facts, year)
        if _on_or_before(submitted, timeline.deadline) or _on_or_before(submitted, today):
            continue
        yield from _advice_candidates(
            facts, timeline.anniversary, timeline.advice, _ANNUAL_ADVICE, None
        )
