"""O1-O4 on commitment orders: the RMB 50,000 minimum, the 60-30 day window, true-down to zero."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from commitments.credit import CreditCheck
from commitments.enrollment import Actor, Status, SuspensionReason
from commitments.orders import (
    Approval,
    CommitmentOrder,
    OrderKind,
    check_order,
    place_order,
)
from commitments.problems import CommitmentRefused

ANNIVERSARY_1 = date(2026, 4, 1)


def codes(problems):
    return [p.code for p in problems]


def initial(amount: str) -> CommitmentOrder:
    return CommitmentOrder(OrderKind.INITIAL, 1, Decimal(amount), date(2025, 3, 20))


def annual(days_before: int, amount: str = "100000.00", **kw) -> CommitmentOrder:
    day = ANNIVERSARY_1 - timedelta(days=days_before)
    return CommitmentOrder(OrderKind.ANNUAL, 2, Decimal(amount), day, **kw)


def test_accepts_a_year_1_commitment_of_exactly_rmb_50000(signed):
    assert place_order(signed, initial("50000.00")).amount_excl_tax == Decimal("50000.00")


def test_refuses_a_year_1_commitment_of_rmb_49999_99(signed):
    with pytest.raises(CommitmentRefused) as refused:
        place_order(signed, initial("49999.99"))
    assert refused.value.codes == ("O1.below_minimum_commitment",)
    assert refused.value.problems[0].field == "amount_excl_tax"


def test_amounts_are_rounded_to_fen_half_up_before_the_minimum_is_checked(signed):
    assert initial("49999.995").amount_excl_tax == Decimal("50000.00")
    assert codes(check_order(signed, initial("49999.994"))) == ["O1.below_minimum_commitment"]


def test_refuses_a_second_initial_order_and_one_after_activation(active, initial_order):
    problems = check_order(active, initial("60000.00"), [initial_order])
    assert codes(problems) == [
        "O1.initial_order_after_activation",
        "O1.initial_order_already_placed",
    ]


@pytest.mark.parametrize("days_before", [60, 45, 30])
def test_accepts_the_annual_order_from_60_to_30_days_before_the_anniversary(
    active, initial_order, days_before
):
    assert check_order(active, annual(days_before), [initial_order]) == []


def test_refuses_the_annual_order_61_days_before_the_anniversary(active, initial_order):
    problems = check_order(active, annual(61), [initial_order])
    assert codes(problems) == ["O2.annual_order_too_early"]


def test_refuses_the_annual_order_29_days_before_the_anniversary(active, initial_order):
    problems = check_order(active, annual(29), [initial_order])
    assert codes(problems) == ["O2.annual_order_window_closed"]


def test_refuses_a_late_annual_order_from_a_reseller_even_while_the_advice_is_outstanding(
    active, initial_order
):
    problems = check_order(active, annual(10), [initial_order], actor=Actor.RESELLER)
    assert codes(problems) == ["O2.annual_order_window_closed"]


def test_the_provider_may_enter_a_late_annual_order_until_the_payment_advice_falls_due(
    active, initial_order
):
    # Deadline 2026-03-02, advice 2026-03-03, due on the first 1st at least 30 days later.
    due_on = date(2026, 5, 1)
    on_due = CommitmentOrder(OrderKind.ANNUAL, 2, Decimal("90000"), due_on)
    after_due = replace(on_due, submitted_on=due_on + timedelta(days=1))
    assert check_order(active, on_due, [initial_order], actor=Actor.PROVIDER) == []
    assert codes(check_order(active, after_due, [initial_order], actor=Actor.PROVIDER)) == [
        "O2.annual_order_window_closed"
    ]


def test_the_provider_may_enter_the_missing_annual_order_to_reactivate(active, initial_order):
    suspended = replace(
        active, status=Status.SUSPENDED, suspension_reason=SuspensionReason.MISSING_ANNUAL_ORDER
    )
    late = CommitmentOrder(OrderKind.ANNUAL, 2, Decimal("90000"), date(2026, 6, 15))
    assert check_order(suspended, late, [initial_order], actor=Actor.PROVIDER) == []


def test_refuses_a_true_down_to_zero_without_a_recorded_approval(active, initial_order):
    problems = check_order(active, annual(45, "0"), [initial_order])
    assert codes(problems) == ["O2.true_down_to_zero_needs_approval"]


def test_accepts_a_true_down_to_zero_with_a_recorded_approval(active, initial_order):
    approval = Approval("finance-director", date(2026, 2, 1))
    assert check_order(active, annual(45, "0", approval=approval), [initial_order]) == []


def test_accepts_a_true_down_below_the_year_1_minimum(active, initial_order):
    assert check_order(active, annual(45, "1000.00"), [initial_order]) == []


def test_refuses_a_negative_commitment(active, initial_order):
    assert codes(check_order(active, annual(45, "-1"), [initial_order])) == [
        "O2.negative_commitment"
    ]


def test_refuses_a_second_annual_order_for_the_same_year(active, initial_order):
    first = annual(50)
    problems = check_order(active, annual(40), [initial_order, first])
    assert codes(problems) == ["O2.annual_order_already_placed"]


def test_refuses_an_annual_order_for_year_1(active, initial_order):
    order = CommitmentOrder(OrderKind.ANNUAL, 1, Decimal("1000"), date(2026, 2, 15))
    assert codes(check_order(active, order, [initial_order])) == ["O2.annual_order_not_year_2_or_3"]


def test_refuses_an_annual_order_on_an_enrollment_not_yet_active(signed, initial_order):
    assert codes(check_order(signed, annual(45), [initial_order])) == ["O2.enrollment_not_active"]


def test_year_3_is_measured_against_the_second_anniversary(active, initial_order):
    year_2 = annual(45)
    year_3 = CommitmentOrder(
        OrderKind.ANNUAL, 3, Decimal("100000"), date(2027, 4, 1) - timedelta(60)
    )
    assert check_order(active, year_3, [initial_order, year_2]) == []


def test_an_annual_order_above_150_percent_needs_a_passed_credit_check(active, initial_order):
    problems = check_order(active, annual(45, "150000.01"), [initial_order])
    assert codes(problems) == ["O4.credit_check_required"]
    failed = CreditCheck(2, date(2026, 2, 1), passed=False)
    problems = check_order(active, annual(45, "150000.01"), [initial_order], [failed])
    assert codes(problems) == ["O4.credit_check_failed"]
    passed = CreditCheck(2, date(2026, 2, 2), passed=True)
    assert check_order(active, annual(45, "150000.01"), [initial_order], [failed, passed]) == []


def test_an_annual_order_of_exactly_150_percent_needs_no_new_credit_check(active, initial_order):
    assert check_order(active, annual(45, "150000.00"), [initial_order]) == []


def test_additional_orders_are_accepted_on_any_day_of_the_term(active, initial_order):
    for day in (date(2025, 4, 1), date(2026, 3, 31), date(2027, 7, 7), date(2028, 3, 31)):
        year = 1 if day < date(2026, 4, 1) else 2 if day < date(2027, 4, 1) else 3
        order = CommitmentOrder(OrderKind.ADDITIONAL, year, Decimal("5000"), day)
        assert check_order(active, order, [initial_order]) == []


def test_additional_orders_are_accepted_while_suspended_to_offset_overage(active):
    suspended = replace(active, status=Status.SUSPENDED)
    order = CommitmentOrder(OrderKind.ADDITIONAL, 1, Decimal("5000"), date(2025, 9, 1))
    assert check_order(suspended, order) == []


def test_refuses_an_additional_order_of_zero_outside_its_year_or_before_activation(signed):
    order = CommitmentOrder(OrderKind.ADDITIONAL, 2, Decimal("0"), date(2025, 9, 1))
    assert codes(check_order(signed, order)) == [
        "O3.enrollment_not_active",
        "O3.outside_commitment_year",
        "O3.amount_not_positive",
    ]
