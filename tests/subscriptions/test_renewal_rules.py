"""R1 and R5 as pure rules (no app, no database), and the R2 lead-time arithmetic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from subscriptions.reminders import lead_due, parse_days
from subscriptions.renewal_rules import (
    NextTermChange,
    check_resume,
    check_schedule,
    check_suspend,
    check_withdraw,
)
from subscriptions.rules import PERPETUAL, Facts

NOW = datetime(2025, 3, 3, 9, tzinfo=UTC)
SOLD = frozenset({("P1M", "monthly"), ("P1Y", "monthly"), ("P1Y", "annual")})
CURRENT = NextTermChange(3, "P1M", "monthly")


def facts(**changes) -> Facts:
    values = {"family": "office365_business", "cancellable": True, "status": "active",
              "purchased_at": NOW, "term_start": NOW, "max_quantity": 300} | changes
    return Facts(**values)


def code(refusal) -> str | None:
    return refusal.code if refusal else None


@pytest.mark.parametrize(("known", "autorenew", "wanted", "expected"), [
    (facts(), True, NextTermChange(5, "P1Y", "annual"), None),
    (facts(), True, NextTermChange(2, "P1M", "monthly"), None),
    (facts(family=PERPETUAL), True, NextTermChange(5, "P1Y", "annual"), "R1.not_renewable"),
    (facts(status="suspended"), True, NextTermChange(5, "P1Y", "annual"), "R1.not_active"),
    (facts(), False, NextTermChange(5, "P1Y", "annual"), "R1.autorenew_off"),
    (facts(), True, NextTermChange(0, "P1Y", "annual"), "R1.at_least_one_license"),
    (facts(), True, NextTermChange(301, "P1Y", "annual"), "R1.over_maximum"),
    (facts(), True, NextTermChange(5, "P3Y", "triennial"), "R1.term_not_sold"),
    (facts(), True, CURRENT, "R1.nothing_to_change"),
])
def test_r1_a_next_term_change_is_scheduled_only_on_a_live_renewing_plan_sold_that_way(
        known, autorenew, wanted, expected):
    assert code(check_schedule(known, autorenew, CURRENT, wanted, SOLD)) == expected


def test_r1_only_a_scheduled_change_can_be_withdrawn():
    assert code(check_withdraw(None)) == "R1.nothing_scheduled"
    assert check_withdraw({"quantity": 5}) is None


def test_r5_an_active_subscription_is_suspended_only_with_a_reason():
    assert check_suspend("active", "Unpaid invoice") is None
    assert code(check_suspend("active", "  ")) == "R5.reason_required"
    assert code(check_suspend("active", "x" * 501)) == "R5.reason_required"
    assert code(check_suspend("suspended", "again")) == "R5.not_active"


def test_r5_reactivation_is_possible_only_until_the_term_ends():
    end = NOW + timedelta(days=10)
    assert check_resume("suspended", end, NOW) is None
    assert code(check_resume("suspended", end, end)) == "R5.term_ended"
    assert code(check_resume("active", end, NOW)) == "R5.not_suspended"


def test_r2_the_nearest_lead_time_reached_is_the_one_due():
    end = NOW + timedelta(days=100)
    days = (60, 30, 7)
    assert lead_due(end, days, end - timedelta(days=61)) is None
    assert lead_due(end, days, end - timedelta(days=60)) == 60
    assert lead_due(end, days, end - timedelta(days=8)) == 30
    assert lead_due(end, days, end - timedelta(days=3)) == 7
    assert lead_due(end, days, end) is None  # ended: nothing more to remind of


@pytest.mark.parametrize("typed", ["", "abc", "0", "400", "1,2,3,4,5,6,7", "7.5"])
def test_r2_reminder_days_are_whole_days_from_1_to_365(typed):
    with pytest.raises(ValueError, match="Reminder days"):
        parse_days(typed)


def test_r2_reminder_days_are_kept_largest_first_without_repeats():
    assert parse_days(" 7, 60,30, 7") == (60, 30, 7)
