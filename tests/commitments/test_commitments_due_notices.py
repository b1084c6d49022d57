"""due_notices: each reminder, threshold, payment advice and state change once, on its day."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from commitments.balance import UsageRecord
from commitments.due import due_notices
from commitments.enrollment import Enrollment, Status
from commitments.lifecycle import expire, suspend, terminate
from commitments.notices import EnrollmentFacts, NoticeKey, NoticeKind, OverageSettlement
from commitments.orders import CommitmentOrder, OrderKind

K = NoticeKind
INITIAL = CommitmentOrder(OrderKind.INITIAL, 1, Decimal("100000"), date(2025, 3, 20))
YEAR_2 = CommitmentOrder(OrderKind.ANNUAL, 2, Decimal("100000"), date(2026, 2, 15))
YEAR_3 = CommitmentOrder(OrderKind.ANNUAL, 3, Decimal("100000"), date(2027, 2, 15))


def days(first: date, last: date):
    return (first + timedelta(days=i) for i in range((last - first).days + 1))


def run_job(facts: EnrollmentFacts, first: date, last: date) -> list[tuple[date, NoticeKind, int]]:
    """Play the daily job: send what is due, remember its key, apply state changes."""
    sent: set[NoticeKey] = set()
    log = []
    for today in days(first, last):
        for notice in due_notices(facts, today, sent):
            sent.add(notice.key)
            log.append((today, notice.kind, notice.key.detail))
            if notice.suspension_reason is not None:
                enrollment = suspend(facts.enrollment, notice.suspension_reason, today)
                facts = replace(facts, enrollment=enrollment)
            elif notice.kind is K.EXPIRE:
                facts = replace(facts, enrollment=expire(facts.enrollment, today))
            elif notice.kind is K.TERMINATE:
                facts = replace(facts, enrollment=terminate(facts.enrollment, today))
    return log


def usage(day: date, amount: str) -> UsageRecord:
    return UsageRecord(day, Decimal(amount), Decimal("1"))


def without_thresholds(log):
    return [entry for entry in log if entry[1] is not K.USAGE_THRESHOLD]


def test_annual_order_reminders_go_out_105_60_and_7_days_before_and_nothing_else(active):
    log = run_job(EnrollmentFacts(active, (INITIAL,)), date(2025, 4, 1), date(2026, 3, 31))
    assert log == [
        (date(2025, 12, 17), K.ANNUAL_ORDER_REMINDER, 105),
        (date(2026, 1, 31), K.ANNUAL_ORDER_REMINDER, 60),
        (date(2026, 3, 3), K.ANNUAL_ORDER_PAYMENT_ADVICE, 0),
        (date(2026, 3, 25), K.ANNUAL_ORDER_REMINDER, 7),
    ]


def test_a_full_term_with_orders_on_time_sends_reminders_renewal_and_expires(active):
    facts = EnrollmentFacts(active, (INITIAL, YEAR_2, YEAR_3))
    log = run_job(facts, date(2025, 4, 1), date(2028, 12, 31))
    assert log == [
        (date(2025, 12, 17), K.ANNUAL_ORDER_REMINDER, 105),
        (date(2026, 1, 31), K.ANNUAL_ORDER_REMINDER, 60),
        (date(2026, 12, 17), K.ANNUAL_ORDER_REMINDER, 105),
        (date(2027, 1, 31), K.ANNUAL_ORDER_REMINDER, 60),
        (date(2028, 1, 1), K.RENEWAL_REMINDER, 90),
        (date(2028, 4, 1), K.EXPIRE, 0),
        (date(2028, 6, 30), K.MARK_FOR_DEPROVISIONING, 0),
    ]


def test_a_renewed_enrollment_gets_no_renewal_reminder_and_keeps_its_data(active):
    facts = EnrollmentFacts(active, (INITIAL, YEAR_2, YEAR_3), renewed=True)
    log = run_job(facts, date(2027, 12, 1), date(2028, 12, 31))
    assert log == [(date(2028, 4, 1), K.EXPIRE, 0)]


def test_with_the_extended_term_clause_service_runs_90_days_past_the_end(active):
    facts = EnrollmentFacts(replace(active, extended_term=True), (INITIAL, YEAR_2, YEAR_3))
    log = run_job(facts, date(2028, 1, 1), date(2028, 7, 31))
    assert log == [(date(2028, 1, 1), K.RENEWAL_REMINDER, 90), (date(2028, 6, 30), K.EXPIRE, 0)]


def test_a_leap_day_enrollment_is_reminded_before_its_1_march_anniversary():
    leap = Enrollment("V5700009", "c", "p", date(2024, 2, 29), status=Status.ACTIVE)
    order = CommitmentOrder(OrderKind.INITIAL, 1, Decimal("60000"), date(2024, 2, 1))
    log = run_job(EnrollmentFacts(leap, (order,)), date(2024, 2, 29), date(2025, 2, 28))
    assert [(d, k) for d, k, _ in log if k is K.ANNUAL_ORDER_REMINDER] == [
        (date(2024, 11, 16), K.ANNUAL_ORDER_REMINDER),
        (date(2024, 12, 31), K.ANNUAL_ORDER_REMINDER),
        (date(2025, 2, 22), K.ANNUAL_ORDER_REMINDER),
    ]


def test_a_missing_annual_order_leads_to_advice_reminders_suspension_and_deprovisioning(active):
    log = run_job(EnrollmentFacts(active, (INITIAL,)), date(2026, 1, 31), date(2026, 8, 31))
    assert log == [
        (date(2026, 1, 31), K.ANNUAL_ORDER_REMINDER, 60),
        (date(2026, 3, 3), K.ANNUAL_ORDER_PAYMENT_ADVICE, 0),
        (date(2026, 3, 25), K.ANNUAL_ORDER_REMINDER, 7),
        (date(2026, 4, 10), K.ANNUAL_ORDER_PAYMENT_REMINDER, 1),
        (date(2026, 4, 24), K.ANNUAL_ORDER_PAYMENT_REMINDER, 2),
        (date(2026, 5, 1), K.SUSPEND_FOR_MISSING_ANNUAL_ORDER, 0),
        (date(2026, 7, 30), K.MARK_FOR_DEPROVISIONING, 0),
    ]


def test_a_late_annual_order_entered_before_the_due_date_stops_the_suspension(active):
    late = replace(YEAR_2, submitted_on=date(2026, 4, 15))
    log = run_job(EnrollmentFacts(active, (INITIAL, late)), date(2026, 1, 31), date(2026, 8, 31))
    assert log == [
        (date(2026, 1, 31), K.ANNUAL_ORDER_REMINDER, 60),
        (date(2026, 3, 3), K.ANNUAL_ORDER_PAYMENT_ADVICE, 0),
        (date(2026, 3, 25), K.ANNUAL_ORDER_REMINDER, 7),
        (date(2026, 4, 10), K.ANNUAL_ORDER_PAYMENT_REMINDER, 1),
    ]


def test_usage_thresholds_are_notified_once_each_even_when_one_record_crosses_three(active):
    records = (
        usage(date(2025, 5, 1), "40000"),
        usage(date(2025, 6, 1), "55000"),
        usage(date(2025, 7, 1), "5000"),
    )
    log = run_job(
        EnrollmentFacts(active, (INITIAL, YEAR_2), records), date(2025, 4, 1), date(2025, 12, 1)
    )
    assert log == [
        (date(2025, 6, 1), K.USAGE_THRESHOLD, 50),
        (date(2025, 6, 1), K.USAGE_THRESHOLD, 75),
        (date(2025, 6, 1), K.USAGE_THRESHOLD, 90),
        (date(2025, 7, 1), K.USAGE_THRESHOLD, 100),
    ]


def test_each_commitment_year_is_its_own_term_for_thresholds(active):
    records = (usage(date(2025, 5, 1), "60000"), usage(date(2026, 5, 1), "60000"))
    facts = EnrollmentFacts(active, (INITIAL, YEAR_2), records)
    log = [
        (d, k, t)
        for d, k, t in run_job(facts, date(2025, 4, 1), date(2026, 12, 1))
        if k is K.USAGE_THRESHOLD
    ]
    assert log == [
        (date(2025, 5, 1), K.USAGE_THRESHOLD, 50),
        (date(2026, 5, 1), K.USAGE_THRESHOLD, 50),
    ]


def test_unanswered_overage_follows_the_seed_dates_to_suspension_then_dunning_to_termination(
    active,
):
    records = (usage(date(2025, 5, 20), "101000"),)
    facts = EnrollmentFacts(active, (INITIAL, YEAR_2), records)
    log = without_thresholds(run_job(facts, date(2025, 5, 21), date(2025, 11, 30)))
    assert log == [
        (date(2025, 6, 6), K.OVERAGE_STATEMENT, 0),
        (date(2025, 6, 8), K.OVERAGE_NOTIFICATION, 0),
        (date(2025, 6, 16), K.OVERAGE_PAYMENT_ADVICE, 0),
        (date(2025, 6, 24), K.OVERAGE_PAYMENT_REMINDER, 1),
        (date(2025, 7, 8), K.OVERAGE_PAYMENT_REMINDER, 2),
        (date(2025, 7, 16), K.SUSPEND_FOR_UNPAID_OVERAGE, 0),
        # Dunning to termination (commitments.termination), then data kept 90 days (O8).
        (date(2025, 7, 17), K.TERMINATION_REMINDER, 0),
        (date(2025, 8, 16), K.TERMINATION_NOTIFICATION, 0),
        (date(2025, 8, 17), K.TERMINATE, 0),
        (date(2025, 11, 15), K.MARK_FOR_DEPROVISIONING, 0),
    ]


def test_the_overage_notices_carry_the_months_amount_and_due_date(active):
    facts = EnrollmentFacts(active, (INITIAL,), (usage(date(2025, 5, 20), "101000.50"),))
    advice = [
        n for n in due_notices(facts, date(2025, 6, 16), set()) if n.kind is not K.USAGE_THRESHOLD
    ]
    assert [(n.kind, n.amount, n.pay_by) for n in advice] == [
        (K.OVERAGE_STATEMENT, Decimal("1000.50"), None),
        (K.OVERAGE_NOTIFICATION, Decimal("1000.50"), None),
        (K.OVERAGE_PAYMENT_ADVICE, Decimal("1000.50"), date(2025, 7, 16)),
    ]


def test_answering_the_overage_notification_by_the_15th_avoids_the_payment_advice(active):
    """No advice on the 16th; the invoice of 6 June runs its term to 6 July (what follows
    unpaid: tests/commitments/test_commitments_overage_answered_pay.py)."""
    answer = OverageSettlement(date(2025, 5, 1), responded_on=date(2025, 6, 15))
    facts = EnrollmentFacts(
        active, (INITIAL, YEAR_2), (usage(date(2025, 5, 20), "101000"),), (answer,)
    )
    log = without_thresholds(run_job(facts, date(2025, 5, 21), date(2025, 7, 6)))
    assert [k for _, k, _ in log] == [K.OVERAGE_STATEMENT, K.OVERAGE_NOTIFICATION]


def test_paying_overage_on_the_due_date_before_the_job_runs_avoids_suspension(active):
    paid = OverageSettlement(date(2025, 5, 1), settled_on=date(2025, 7, 16))
    facts = EnrollmentFacts(
        active, (INITIAL, YEAR_2), (usage(date(2025, 5, 20), "101000"),), (paid,)
    )
    log = without_thresholds(run_job(facts, date(2025, 5, 21), date(2025, 10, 31)))
    assert K.SUSPEND_FOR_UNPAID_OVERAGE not in [k for _, k, _ in log]
    assert [k for _, k, _ in log][-1] is K.OVERAGE_PAYMENT_REMINDER


def test_a_missed_reminder_is_caught_up_until_the_next_one_supersedes_it(active):
    facts = EnrollmentFacts(active, (INITIAL,))
    assert [n.key.detail for n in due_notices(facts, date(2026, 1, 30), set())] == [105]
    assert [n.key.detail for n in due_notices(facts, date(2026, 1, 31), set())] == [60]


def test_a_replayed_day_yields_nothing(active):
    facts = EnrollmentFacts(active, (INITIAL,), (usage(date(2025, 6, 1), "95000"),))
    first = due_notices(facts, date(2025, 6, 1), set())
    assert [n.key.detail for n in first] == [50, 75, 90]
    assert due_notices(facts, date(2025, 6, 1), {n.key for n in first}) == []


@pytest.mark.parametrize("status", [Status.DRAFT, Status.CREDIT_CHECK, Status.EXPIRED])
def test_nothing_is_due_for_an_enrollment_that_is_not_running(active, status):
    facts = EnrollmentFacts(replace(active, status=status, status_since=None), (INITIAL,))
    for today in days(date(2025, 4, 1), date(2028, 12, 31)):
        assert due_notices(facts, today, set()) == []


def test_notice_keys_survive_a_round_trip_through_text():
    key = NoticeKey("V5700001", K.USAGE_THRESHOLD, date(2025, 4, 1), 75)
    assert str(key) == "V5700001:usage_threshold:2025-04-01:75"
    assert NoticeKey.parse(str(key)) == key
