"""O4: a credit check is needed again only when a commitment grows past 150%."""

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from commitments.credit import CreditCheck, credit_check_required, credit_problems


def test_a_commitment_of_exactly_150_percent_needs_no_new_credit_check():
    assert not credit_check_required(Decimal("100000.00"), Decimal("150000.00"))


def test_a_commitment_of_150_01_percent_needs_a_new_credit_check():
    assert credit_check_required(Decimal("100000.00"), Decimal("150010.00"))
    assert credit_check_required(Decimal("100000.00"), Decimal("150000.01"))


def test_a_commitment_after_a_true_down_to_zero_needs_a_new_credit_check():
    assert credit_check_required(Decimal("0.00"), Decimal("0.01"))
    assert not credit_check_required(Decimal("0.00"), Decimal("0.00"))


@given(st.decimals(min_value=0, max_value=10**9, places=2))
def test_a_commitment_at_or_below_150_percent_never_needs_a_check(previous):
    assert not credit_check_required(previous, previous * Decimal("1.5"))
    assert not credit_check_required(previous, previous)


def test_the_latest_decision_on_or_before_today_counts():
    checks = [CreditCheck(2, date(2026, 1, 1), True), CreditCheck(2, date(2026, 2, 1), False)]
    assert [p.code for p in credit_problems(checks, 2, date(2026, 2, 1))] == [
        "O4.credit_check_failed"
    ]
    assert credit_problems(checks, 2, date(2026, 1, 31)) == []
    assert [p.code for p in credit_problems(checks, 3, date(2026, 2, 1))] == [
        "O4.credit_check_required"
    ]
