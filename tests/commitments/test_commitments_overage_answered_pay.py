"""O8: a month's overage the customer answered by the 15th to pay, then left unpaid.

Answering in time spares the advice of the 16th (seed 000: it is issued when the customer
does "not respond to overage notification by the 15th"); the overage invoice then has its
payment term, and unpaid after it, the rest is dunned as any unpaid invoice is: payment
advice the day after it falls due, 30 days' notice, reminders 3 weeks and 1 week before the
payment due date, suspension on it (commitments.unpaid), each notice once.
"""

from dataclasses import replace
from datetime import date
from decimal import Decimal

from commitments.due import due_notices
from commitments.notices import (
    EnrollmentFacts,
    InvoiceFacts,
    NoticeKind,
    OverageSettlement,
    SettlementOption,
)
from tests.commitments.test_commitments_due_notices import (
    INITIAL,
    YEAR_2,
    run_job,
    usage,
    without_thresholds,
)

K = NoticeKind
MAY = date(2025, 5, 1)
# May runs RMB 1,000 past the commitment: statement and invoice 6 June, payable by 6 July.
MAY_USAGE = (usage(date(2025, 5, 20), "101000"),)
ANSWERED_PAY = OverageSettlement(MAY, responded_on=date(2025, 6, 12),
                                 option=SettlementOption.PAY)


def facts_with(active, settlement: OverageSettlement = ANSWERED_PAY) -> EnrollmentFacts:
    return EnrollmentFacts(active, (INITIAL, YEAR_2), MAY_USAGE, (settlement,))


def test_o8_overage_answered_pay_by_the_15th_and_never_paid_is_dunned_to_suspension(active):
    """The invoice of 6 June falls due on 6 July unpaid: advice 7 July, payment due (and
    suspension) 6 August, reminders 21 and 7 days before it; then dunning to termination."""
    log = without_thresholds(run_job(facts_with(active), date(2025, 5, 21), date(2025, 9, 7)))
    assert log == [
        (date(2025, 6, 6), K.OVERAGE_STATEMENT, 0),
        (date(2025, 6, 8), K.OVERAGE_NOTIFICATION, 0),
        (date(2025, 7, 7), K.OVERAGE_PAYMENT_ADVICE, 0),
        (date(2025, 7, 16), K.OVERAGE_PAYMENT_REMINDER, 1),
        (date(2025, 7, 30), K.OVERAGE_PAYMENT_REMINDER, 2),
        (date(2025, 8, 6), K.SUSPEND_FOR_UNPAID_OVERAGE, 0),
        (date(2025, 8, 7), K.TERMINATION_REMINDER, 0),
        (date(2025, 9, 6), K.TERMINATION_NOTIFICATION, 0),
        (date(2025, 9, 7), K.TERMINATE, 0),
    ]


def test_o8_the_answered_months_advice_names_the_amount_and_gives_30_days(active):
    advice = [n for n in due_notices(facts_with(active), date(2025, 7, 7), set())
              if n.kind is K.OVERAGE_PAYMENT_ADVICE]
    assert [(n.amount, n.pay_by) for n in advice] == [(Decimal("1000.00"), date(2025, 8, 6))]
    assert "RMB 1,000.00 of the 2025-05 overage" in advice[0].message


def test_o8_the_answered_month_follows_the_partners_payment_terms_on_its_invoice(active):
    """A partner's 45-day terms: the invoice of 6 June falls due on 21 July."""
    invoice = InvoiceFacts("INV-7", date(2025, 7, 21), Decimal("1000.00"),
                           Decimal("1060.00"), tax_rate=Decimal("0.06"))
    facts = facts_with(active, replace(ANSWERED_PAY, invoice=invoice))
    log = without_thresholds(run_job(facts, date(2025, 5, 21), date(2025, 8, 21)))
    assert [(day, kind) for day, kind, _ in log][2:] == [
        (date(2025, 7, 22), K.OVERAGE_PAYMENT_ADVICE),
        (date(2025, 7, 31), K.OVERAGE_PAYMENT_REMINDER),
        (date(2025, 8, 14), K.OVERAGE_PAYMENT_REMINDER),
        (date(2025, 8, 21), K.SUSPEND_FOR_UNPAID_OVERAGE)]


def test_o8_overage_answered_pay_and_paid_within_its_term_is_never_advised(active):
    paid = replace(ANSWERED_PAY, settled_on=date(2025, 7, 6))
    log = without_thresholds(run_job(facts_with(active, paid), date(2025, 5, 21),
                                     date(2025, 11, 30)))
    assert [kind for _, kind, _ in log] == [K.OVERAGE_STATEMENT, K.OVERAGE_NOTIFICATION]


def test_o8_overage_answered_pay_and_paid_on_the_due_date_is_not_suspended(active):
    paid = replace(ANSWERED_PAY, settled_on=date(2025, 8, 6))
    log = without_thresholds(run_job(facts_with(active, paid), date(2025, 5, 21),
                                     date(2025, 11, 30)))
    assert [kind for _, kind, _ in log][-1] is K.OVERAGE_PAYMENT_REMINDER
    assert K.SUSPEND_FOR_UNPAID_OVERAGE not in [kind for _, kind, _ in log]


def test_o8_an_answer_recorded_without_an_option_is_dunned_like_an_answer_to_pay(active):
    """Answers recorded before the option existed (option None) are no offset: the same."""
    answered = OverageSettlement(MAY, responded_on=date(2025, 6, 15))
    log = without_thresholds(run_job(facts_with(active, answered), date(2025, 5, 21),
                                     date(2025, 8, 6)))
    assert [(day, kind) for day, kind, _ in log][2:] == [
        (date(2025, 7, 7), K.OVERAGE_PAYMENT_ADVICE),
        (date(2025, 7, 16), K.OVERAGE_PAYMENT_REMINDER),
        (date(2025, 7, 30), K.OVERAGE_PAYMENT_REMINDER),
        (date(2025, 8, 6), K.SUSPEND_FOR_UNPAID_OVERAGE)]


def test_o8_an_answer_to_offset_with_no_offset_recorded_is_dunned_when_its_invoice_falls_due(
        active):
    """Answered "offset" by the 15th, but no order offsets any of it: the invoice runs its
    term and is then dunned (before, nothing ever followed the notification)."""
    promised = replace(ANSWERED_PAY, option=SettlementOption.OFFSET)
    log = without_thresholds(run_job(facts_with(active, promised), date(2025, 5, 21),
                                     date(2025, 8, 6)))
    assert [kind for _, kind, _ in log][2:] == [
        K.OVERAGE_PAYMENT_ADVICE, K.OVERAGE_PAYMENT_REMINDER, K.OVERAGE_PAYMENT_REMINDER,
        K.SUSPEND_FOR_UNPAID_OVERAGE]
