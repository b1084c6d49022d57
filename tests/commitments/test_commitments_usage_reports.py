"""O5, seed 000: "Sends periodic usage notifications (daily, weekly, or monthly) to inform the
customer of their remaining monetary commitment or their monthly overage"."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

from commitments.balance import UsageRecord
from commitments.due import due_notices
from commitments.notices import EnrollmentFacts, NoticeKind, UsageFrequency
from commitments.usage_reports import report_period


def facts(active, initial_order, frequency, usage=()):
    return EnrollmentFacts(active, (initial_order,), tuple(usage), usage_frequency=frequency)


def reports(found):
    return [n for n in found if n.kind is NoticeKind.USAGE_REPORT]


def test_periodic_usage_notifications_daily_report_the_day_before(active, initial_order):
    usage = [UsageRecord(date(2025, 6, 9), Decimal(100), Decimal("2.50"))]
    found = reports(due_notices(facts(active, initial_order, UsageFrequency.DAILY, usage),
                                date(2025, 6, 10), frozenset()))
    assert [n.message for n in found] == [
        "Usage from 2025-06-09 to 2025-06-09: RMB 250.00. "
        "Remaining year 1 commitment: RMB 99,750.00."]


def test_periodic_usage_notifications_weekly_go_out_on_mondays_for_the_week_before():
    assert report_period(UsageFrequency.WEEKLY, date(2025, 6, 9)) == (
        date(2025, 6, 2), date(2025, 6, 8))
    assert report_period(UsageFrequency.WEEKLY, date(2025, 6, 10)) is None


def test_periodic_usage_notifications_monthly_go_out_on_the_1st_for_the_month_before():
    assert report_period(UsageFrequency.MONTHLY, date(2025, 7, 1)) == (
        date(2025, 6, 1), date(2025, 6, 30))
    assert report_period(UsageFrequency.MONTHLY, date(2025, 7, 2)) is None


def test_a_monthly_report_states_the_monthly_overage_once_the_commitment_is_exhausted(
    active, initial_order
):
    usage = [UsageRecord(date(2025, 6, 5), Decimal(1), Decimal("100000")),
             UsageRecord(date(2025, 6, 20), Decimal(1), Decimal("1234.50"))]
    found = reports(due_notices(facts(active, initial_order, UsageFrequency.MONTHLY, usage),
                                date(2025, 7, 1), frozenset()))
    assert [n.message for n in found] == [
        "Usage from 2025-06-01 to 2025-06-30: RMB 101,234.50. "
        "Overage in 2025-06: RMB 1,234.50."]


def test_no_periodic_usage_notification_until_the_customer_chooses_one(active, initial_order):
    assert reports(due_notices(facts(active, initial_order, None), date(2025, 7, 1),
                               frozenset())) == []


def test_a_periodic_report_is_sent_once_and_not_late(active, initial_order):
    state = facts(active, initial_order, UsageFrequency.MONTHLY)
    [first] = reports(due_notices(state, date(2025, 7, 1), frozenset()))
    assert reports(due_notices(state, date(2025, 7, 1), frozenset({first.key}))) == []
    assert reports(due_notices(state, date(2025, 7, 2), frozenset())) == []


def test_no_report_for_a_period_before_the_enrollment_starts(active, initial_order):
    early = replace(facts(active, initial_order, UsageFrequency.DAILY))
    assert reports(due_notices(early, date(2025, 4, 1), frozenset())) == []
