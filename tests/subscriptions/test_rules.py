"""The pure S1–S7 rules: windows to the minute, proration to the cent, every refusal's code."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from catalog.families import is_not_cancellable
from subscriptions import rules

START = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def facts(family="office365_business", cancellable=True, status="active", start=START):
    return rules.Facts(family=family, cancellable=cancellable, status=status,
                       purchased_at=start, term_start=start)


def test_s3_cancellation_is_allowed_at_167_hours_59_minutes():
    assert rules.check_cancel_window(facts(), START + timedelta(hours=167, minutes=59)) is None


def test_s3_cancellation_is_refused_at_168_hours_1_minute_with_the_closing_date():
    refusal = rules.check_cancel_window(facts(), START + timedelta(hours=168, minutes=1))
    assert refusal.code == "S3.cancellation_window_closed"
    assert refusal.until == START + timedelta(hours=168)
    assert "2025-03-08 09:00" in refusal.message


def test_s3_window_restarts_with_each_term():
    renewed = START + timedelta(days=31)
    assert rules.check_cancel_window(facts(start=renewed), renewed + timedelta(hours=2)) is None


def test_s6_perpetual_software_is_cancellable_on_day_30():
    assert rules.check_cancel_window(facts("perpetual_software"),
                                     START + timedelta(days=30)) is None


def test_s6_perpetual_software_is_refused_on_day_31():
    refusal = rules.check_cancel_window(facts("perpetual_software"), START + timedelta(days=31))
    assert refusal.code == "S6.credit_window_closed"
    assert refusal.until == START + timedelta(days=30)


def test_s2_licenses_can_be_removed_inside_the_window_only():
    inside, late = START + timedelta(hours=167, minutes=59), START + timedelta(hours=168, minutes=1)
    assert rules.check_remove_licenses(facts(), 5, 3, inside) is None
    assert rules.check_remove_licenses(facts(), 5, 3, late).code == "S2.reduction_window_closed"


def test_s2_a_software_subscription_offers_no_license_for_removal_even_on_its_first_day():
    # Partner Center allows no seat reduction on software subscriptions (800090)
    first_day = START + timedelta(hours=1)
    software = facts("software_subscription")
    assert rules.removable(software, first_day) == rules.Removal(0, None)
    refusal = rules.check_remove_licenses(software, 4, 3, first_day)
    assert refusal.code == "S2.software_no_reduction" and refusal.until is None
    assert rules.check_remove_licenses(software, 4, 4, first_day) is None


def test_s2_licenses_can_be_added_any_time_and_to_a_discontinued_plan():
    late = START + timedelta(days=200)
    assert rules.check_remove_licenses(facts(), 5, 9, late) is None
    assert rules.check_add_licenses(facts()) is None


def test_s2_refuses_more_licenses_than_the_plan_allows():
    plan = rules.Facts(family="office365_business", cancellable=True, status="active",
                       purchased_at=START, term_start=START, max_quantity=300)
    assert rules.check_most(plan, 300) is None
    assert rules.check_most(plan, 301).code == "S2.over_maximum"


def test_s2_refuses_removing_every_license():
    assert rules.check_remove_licenses(facts(), 5, 0, START).code == "S2.at_least_one_license"


def test_s2_refuses_changes_to_a_cancelled_subscription():
    assert rules.check_add_licenses(facts(status="cancelled")).code == "S2.not_active"


def test_s1_autorenew_can_be_switched_on_a_live_subscription_but_not_on_perpetual_software():
    assert rules.check_autorenew(facts()) is None
    assert rules.check_autorenew(facts("perpetual_software")).code == "S1.not_renewable"


def test_r5_autorenew_cannot_be_switched_on_while_suspended_but_may_stay_off():
    refusal = rules.check_autorenew(facts(status="suspended"))
    assert refusal.code == "R5.suspended" and "reactivates it" in refusal.message
    assert rules.check_autorenew(facts(status="suspended"), on=False) is None


def test_s4_only_admin_agents_may_cancel():
    assert rules.check_may_cancel(True) is None
    assert rules.check_may_cancel(False).code == "S4.admin_agent_required"
    assert rules.check_cancel(facts(), False, START).code == "S4.admin_agent_required"


@pytest.mark.parametrize("publisher", ["Red Hat, Inc.", "SUSE"])
def test_s5_redhat_and_suse_plans_are_never_cancellable(publisher):
    cancellable = not is_not_cancellable(publisher)  # what the catalog import stores
    refusal = rules.check_cancel(facts("software_subscription", cancellable), True, START)
    assert refusal.code == "S5.never_cancellable"


def test_s5_an_azure_plan_is_not_cancelled_online_and_says_why_not_redhat():
    refusal = rules.check_cancel(facts("azure_plan", False), True, START)
    assert refusal.code == "S5.azure_plan_not_cancellable"
    assert "Azure subscriptions one by one" in refusal.message
    assert "RedHat" not in refusal.message


def test_an_azure_plan_has_no_renewal_nor_licenses_k12():
    assert rules.check_autorenew(facts("azure_plan")).code == "S1.not_renewable"
    assert rules.check_add_licenses(facts("azure_plan")).code == \
        "S2.azure_plan_has_no_licenses"


def test_s7_only_admin_agents_may_reveal_keys():
    assert rules.check_may_reveal(True) is None
    assert rules.check_may_reveal(False).code == "S7.admin_agent_required"


def _at(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


# Microsoft's rule and examples (S3, B3):
# https://learn.microsoft.com/en-us/partner-center/billing/common-billing-scenarios-onetime-recurring
def test_s3_refunds_the_unused_days_of_the_current_monthly_cycle():
    # 3 × 12.50 bought 1 Mar (31-day cycle), cancelled 3 Mar: 29 days back, 12.50/31 × 29 × 3
    credit = rules.cancellation_refund(Decimal("12.50"), 3, "monthly", date(2025, 3, 1),
                                       _at(2025, 3, 1), _at(2025, 3, 3, 18), "EUR")
    assert credit.amount == Decimal("35.08")
    assert (credit.period_start, credit.period_end) == (date(2025, 3, 3), date(2025, 3, 31))


def test_s3_an_annual_billing_plan_refunds_days_of_its_365_day_cycle():
    # 2 × 120.00 a year from 1 Jan 2025, cancelled on 6 Jan: 360 of 365 days
    credit = rules.cancellation_refund(Decimal("120.00"), 2, "annual", date(2025, 1, 1),
                                       _at(2025, 1, 1), _at(2025, 1, 6, 12), "EUR")
    assert credit.amount == Decimal("236.71")  # 240 × 360/365 = 236.712…
    assert credit.period_end == date(2025, 12, 31)


def test_s3_a_monthly_plan_of_an_annual_term_refunds_only_the_month_charged():
    credit = rules.cancellation_refund(Decimal("10.00"), 1, "monthly", date(2025, 1, 1),
                                       _at(2025, 1, 1), _at(2025, 1, 5), "EUR")
    assert credit.amount == Decimal("8.70")  # 10/31 × 27 = 8.709… cut to 8.70


def test_s3_within_24_hours_the_whole_cycle_is_refunded():
    credit = rules.cancellation_refund(Decimal("10.08"), 10, "monthly", date(2021, 7, 15),
                                       _at(2021, 7, 15, 20), _at(2021, 7, 16, 19, 59), "EUR")
    assert credit.amount == Decimal("100.80")
    assert credit.period_start == date(2021, 7, 15)


def test_s3_the_refund_is_the_same_all_day():
    morning, evening = (rules.cancellation_refund(
        Decimal("1599.99"), 3, "monthly", date(2025, 3, 1), _at(2025, 3, 1),
        _at(2025, 3, 4, hour), "PLN").amount for hour in (0, 23))
    assert morning == evening


def test_r6_s3_a_cotermed_first_term_refunds_at_most_what_it_charged():
    # 10 × 120.00 a year bought 10 Jan 2026, ending 1 Apr: 81 days charged 266.30
    def refund(day: int, hour: int) -> rules.Credit:
        return rules.cancellation_refund(
            Decimal("120.00"), 10, "annual", date(2026, 1, 10), _at(2026, 1, 10, 9),
            _at(2026, 1, day, hour), "USD", term_months=12, custom_end=date(2026, 4, 1))

    assert (refund(10, 20).amount, refund(10, 20).period_end) == (Decimal("266.30"),
                                                                  date(2026, 3, 31))
    assert refund(13, 12).amount == Decimal("256.43")  # 78 of the 81 days


def test_r6_s3_after_a_cotermed_first_term_the_cycles_start_on_its_custom_end():
    credit = rules.cancellation_refund(
        Decimal("120.00"), 1, "annual", date(2026, 1, 10), _at(2026, 4, 1, 9),
        _at(2026, 4, 3, 9), "USD", term_months=12, custom_end=date(2026, 4, 1))
    assert (credit.period_start, credit.period_end) == (date(2026, 4, 3), date(2027, 3, 31))
    assert credit.amount == Decimal("119.34")  # 363 of 365 days: 119.342…


def test_s6_perpetual_software_is_credited_in_full():
    credit = rules.perpetual_credit(Decimal("1234.5"), 2, date(2025, 1, 1), "EUR")
    assert credit.amount == Decimal("2469.00")


def test_s2_removing_seats_follows_partner_centers_refundable_tranches():
    added = START + timedelta(days=10)
    known = rules.Facts(family="microsoft365", cancellable=True, status="active",
                        purchased_at=START, term_start=START,
                        refundable=((3, added + timedelta(days=7)),))
    at = added + timedelta(days=1)
    assert rules.check_remove_licenses(known, 8, 5, at) is None  # the 3 added seats
    refusal = rules.check_remove_licenses(known, 8, 4, at)
    assert refusal.code == "S2.reduction_window_closed" and refusal.until == added + timedelta(
        days=7)
    assert rules.check_remove_licenses(known, 8, 7, added + timedelta(days=8)).code == \
        "S2.reduction_window_closed"


def test_k9_refuses_licences_added_while_the_buyer_is_deactivated_naming_the_fix():
    refusal = rules.check_standing(2, 3, ("K9.reseller_inactive", "Contoso Resale"))
    assert refusal.code == "K9.reseller_inactive"
    assert "Reactivate Contoso Resale first" in refusal.message


def test_k9_allows_licences_removed_while_deactivated_and_added_while_standing():
    assert rules.check_standing(5, 3, ("K9.customer_inactive", "Direct Ltd")) is None
    assert rules.check_standing(2, 3, None) is None
