"""O8, seed 000: "if customer fail to make payment on their Monetary commitment purchase ...
their services will be suspended", and "Termination due to Dunning due to non-payment"."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from commitments.due import due_notices
from commitments.enrollment import Status, SuspensionReason
from commitments.notices import CommitmentInvoiceFacts, EnrollmentFacts, NoticeKind
from commitments.termination import termination_dates
from commitments.unpaid import commitment_advice_timeline

ISSUED = date(2025, 3, 20)
INVOICE_DUE = date(2025, 4, 19)  # 30 days' payment term
AMOUNT = Decimal("100000.00")


def unpaid(active, initial_order, paid_on=None, **changes):
    invoice = CommitmentInvoiceFacts(ISSUED, INVOICE_DUE, AMOUNT, paid_on)
    return EnrollmentFacts(replace(active, **changes), (initial_order,),
                           commitment_invoices=(invoice,))


def run(facts, first, last, kinds):
    """Every notice of `kinds` due from first to last, each once, as (day, kind)."""
    sent, log, day = set(), [], first
    while day <= last:
        for notice in due_notices(facts, day, frozenset(sent)):
            sent.add(notice.key)
            if notice.kind in kinds:
                log.append((day, notice.kind.value))
        day += timedelta(days=1)
    return log


UNPAID_KINDS = {NoticeKind.COMMITMENT_PAYMENT_ADVICE, NoticeKind.COMMITMENT_PAYMENT_REMINDER,
                NoticeKind.SUSPEND_FOR_UNPAID_COMMITMENT}
DUNNING_KINDS = {NoticeKind.TERMINATION_REMINDER, NoticeKind.TERMINATION_NOTIFICATION,
                 NoticeKind.TERMINATE}


def test_fail_to_make_payment_on_their_monetary_commitment_purchase_services_suspended(
    active, initial_order
):
    log = run(unpaid(active, initial_order), ISSUED, date(2025, 6, 30), UNPAID_KINDS)
    assert log == [
        (date(2025, 4, 20), "commitment_payment_advice"),
        (date(2025, 4, 29), "commitment_payment_reminder"),  # payment due date -3 weeks
        (date(2025, 5, 13), "commitment_payment_reminder"),  # payment due date -1 week
        (date(2025, 5, 20), "suspend_for_unpaid_commitment"),
    ]


def test_the_payment_advice_gives_the_30_days_in_advance_notification():
    timeline = commitment_advice_timeline(INVOICE_DUE)
    assert (timeline.due_on - timeline.advice_on).days == 30


def test_a_commitment_paid_within_its_30_day_payment_term_is_never_dunned(active, initial_order):
    facts = unpaid(active, initial_order, paid_on=INVOICE_DUE)
    assert run(facts, ISSUED, date(2025, 9, 30), UNPAID_KINDS | DUNNING_KINDS) == []


def test_a_payment_after_the_advice_but_by_the_due_date_prevents_suspension(
    active, initial_order
):
    facts = unpaid(active, initial_order, paid_on=date(2025, 5, 20))
    log = run(facts, ISSUED, date(2025, 9, 30), UNPAID_KINDS)
    assert [kind for _, kind in log] == ["commitment_payment_advice",
                                         "commitment_payment_reminder",
                                         "commitment_payment_reminder"]


def suspended(active, initial_order, paid_on=None):
    return unpaid(active, initial_order, paid_on, status=Status.SUSPENDED,
                  status_since=date(2025, 5, 20),
                  suspension_reason=SuspensionReason.UNPAID_COMMITMENT)


def test_dunning_termination_reminder_then_agreement_and_subscription_termination_notification(
    active, initial_order
):
    log = run(suspended(active, initial_order), date(2025, 5, 20), date(2025, 8, 31),
              DUNNING_KINDS)
    assert log == [
        (date(2025, 5, 21), "termination_reminder"),
        (date(2025, 6, 20), "termination_notification"),
        (date(2025, 6, 21), "terminate"),
    ]


def test_dunning_stops_once_the_payment_is_received(active, initial_order):
    facts = suspended(active, initial_order, paid_on=date(2025, 6, 1))
    log = run(facts, date(2025, 5, 20), date(2025, 8, 31), DUNNING_KINDS)
    assert log == [(date(2025, 5, 21), "termination_reminder")]


def test_a_late_run_never_terminates_without_the_termination_notification(active, initial_order):
    found = due_notices(suspended(active, initial_order), date(2025, 7, 1), frozenset())
    kinds = [n.kind for n in found if n.kind in DUNNING_KINDS]
    assert kinds == [NoticeKind.TERMINATION_NOTIFICATION, NoticeKind.TERMINATE]


def test_a_missing_annual_order_suspension_is_not_dunned_to_termination(active, initial_order):
    facts = EnrollmentFacts(replace(active, status=Status.SUSPENDED,
                                    status_since=date(2026, 5, 1),
                                    suspension_reason=SuspensionReason.MISSING_ANNUAL_ORDER),
                            (initial_order,))
    assert run(facts, date(2026, 5, 1), date(2026, 8, 1), DUNNING_KINDS) == []


def test_termination_dates_follow_the_suspension():
    assert termination_dates(date(2025, 5, 20)) == (
        date(2025, 5, 21), date(2025, 6, 20), date(2025, 6, 21))
