"""O8: dunning to termination for non-payment (seed 000, "Termination due to Dunning due to
non-payment").

The seed: "If payment is not received before the term date ends, 21Vianet will start the
dunning process to terminate enrollment. 21Vianet will send dunning termination reminder to
Customer, then if Customer still fails to make payment after dunning termination reminder,
21Vianet will send Agreement and Subscription Termination notification to Customer. Once
agreement termination notification is sent out, 21Vianet will proceed with the Agreement
or/and Subscription Termination." Data is then kept 90 days and deprovisioned.

The seed fixes the order but no day counts; ours, stated here once:
- the "term date" is the payment due date of the payment advice; the enrollment is suspended
  on it (commitments.dunning, commitments.unpaid), and dunning starts the next day with the
  termination reminder;
- the customer gets 30 days to pay after the reminder (the OSPA contract's 30 days in advance
  notification, the one notice period the seed gives); still unpaid, the agreement and
  subscription termination notification goes out on day 31;
- termination follows the day after the notification ("once ... sent out, proceed").
Only an enrollment suspended for unpaid overage or an unpaid commitment invoice is dunned, and
only while a payment is still outstanding: a payment stops the dunning, and the provider
reactivates (O8). A missing annual order is not a non-payment: it keeps its suspension.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

from commitments.dunning import advice_timeline, monthly_overage
from commitments.enrollment import Status, SuspensionReason
from commitments.notices import Candidate, EnrollmentFacts, Notice, NoticeKey, NoticeKind
from commitments.schedule import ADVICE_NOTICE_DAYS
from commitments.unpaid import unpaid_on

RULE = "O8"
REMINDER_AFTER_SUSPENSION_DAYS = 1
NOTIFICATION_AFTER_REMINDER_DAYS = ADVICE_NOTICE_DAYS
TERMINATION_AFTER_NOTIFICATION_DAYS = 1
NON_PAYMENT = frozenset({SuspensionReason.UNPAID_OVERAGE, SuspensionReason.UNPAID_COMMITMENT})


def termination_dates(suspended_on: date) -> tuple[date, date, date]:
    """The termination reminder, the termination notification and the termination day."""
    reminder = suspended_on + timedelta(days=REMINDER_AFTER_SUSPENSION_DAYS)
    notification = reminder + timedelta(days=NOTIFICATION_AFTER_REMINDER_DAYS)
    return reminder, notification, notification + timedelta(
        days=TERMINATION_AFTER_NOTIFICATION_DAYS
    )


def _overage_outstanding(facts: EnrollmentFacts, today: date) -> bool:
    for month, amount in monthly_overage(facts, today).items():
        settlement = facts.settlement(month)
        settled = settlement.settled_by(amount)
        due = advice_timeline(month, settlement).due_on
        if due <= today and (settled is None or settled > today):
            return True
    return False


def payment_outstanding(facts: EnrollmentFacts, today: date) -> bool:
    """Whether the payment the enrollment was suspended for is still missing today."""
    reason = facts.enrollment.suspension_reason
    if reason is SuspensionReason.UNPAID_COMMITMENT:
        return bool(unpaid_on(facts, today))
    if reason is SuspensionReason.UNPAID_OVERAGE:
        return _overage_outstanding(facts, today)
    return False


def termination_candidates(facts: EnrollmentFacts, today: date) -> Iterator[Candidate]:
    """Reminder, notification and termination while a non-payment suspension stays unpaid."""
    enrollment, since = facts.enrollment, facts.enrollment.status_since
    if enrollment.status is not Status.SUSPENDED or since is None:
        return
    if enrollment.suspension_reason not in NON_PAYMENT or not payment_outstanding(facts, today):
        return
    reminder, notification, terminate_on = termination_dates(since)
    number, day = enrollment.number, timedelta(days=1)
    yield Candidate(Notice(
        NoticeKey(number, NoticeKind.TERMINATION_REMINDER, since), reminder,
        f"Dunning termination reminder: pay by {(notification - day).isoformat()} or the"
        f" agreement and its subscriptions will be terminated on {terminate_on.isoformat()}.",
        pay_by=notification - day,
    ), notification - day)
    yield Candidate(Notice(
        NoticeKey(number, NoticeKind.TERMINATION_NOTIFICATION, since), notification,
        f"Agreement and subscription termination notification: enrollment {number} and its"
        f" subscriptions are terminated on {terminate_on.isoformat()}; data is kept 90 days.",
    ), date.max)  # never terminate without it: a late run sends it first, then terminates
    yield Candidate(Notice(
        NoticeKey(number, NoticeKind.TERMINATE, since), terminate_on,
        f"Terminate enrollment {number} and its subscriptions: dunning for non-payment ended.",
    ), date.max)
