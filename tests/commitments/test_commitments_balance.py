"""O5: usage draws the balance down, thresholds are notified once, overage at the same rates."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commitments.balance import (
    Balance,
    BurnDownPoint,
    UsageRecord,
    apply_usage,
    burn_down,
    newly_crossed,
    overage_by_month,
    term_balance,
    thresholds_reached,
    usage_charge,
)
from commitments.orders import CommitmentOrder, OrderKind

START = date(2025, 4, 1)
FUNDED = Decimal("100000.00")
ORDERS = (CommitmentOrder(OrderKind.INITIAL, 1, FUNDED, date(2025, 3, 20)),)


def usage(day: date, amount: str) -> UsageRecord:
    return UsageRecord(day, Decimal(amount), Decimal("1.00"), "compute")


def test_a_usage_record_jumping_from_40_to_95_percent_notifies_50_75_and_90_at_once():
    outcome = apply_usage(Balance(FUNDED, Decimal("40000")), usage(START, "55000"), notified=())
    assert outcome.thresholds == (50, 75, 90)
    assert outcome.balance.remaining == Decimal("5000.00")


def test_a_replayed_threshold_is_not_notified_again():
    balance = Balance(FUNDED, Decimal("95000"))
    assert newly_crossed(balance, notified=(50, 75, 90)) == ()
    assert apply_usage(balance, usage(START, "0"), notified=(50, 75, 90)).thresholds == ()


def test_each_threshold_is_reached_at_exactly_its_percentage():
    assert thresholds_reached(Balance(FUNDED, Decimal("49999.99"))) == ()
    assert thresholds_reached(Balance(FUNDED, Decimal("50000.00"))) == (50,)
    assert thresholds_reached(Balance(FUNDED, Decimal("74999.99"))) == (50,)
    assert thresholds_reached(Balance(FUNDED, Decimal("90000.00"))) == (50, 75, 90)
    assert thresholds_reached(Balance(FUNDED, Decimal("99999.99"))) == (50, 75, 90)
    assert thresholds_reached(Balance(FUNDED, Decimal("100000.00"))) == (50, 75, 90, 100)


def test_a_term_funded_with_zero_has_no_thresholds():
    assert thresholds_reached(Balance(Decimal("0"), Decimal("10"))) == ()


def test_usage_beyond_the_balance_is_overage_at_the_same_rate():
    record = UsageRecord(START, Decimal("100"), Decimal("12.50"), "vm")
    outcome = apply_usage(Balance(FUNDED, Decimal("99500")), record, notified=(50, 75, 90))
    assert (outcome.from_commitment, outcome.overage) == (Decimal("500.00"), Decimal("750.00"))
    assert outcome.from_commitment + outcome.overage == record.charge == Decimal("1250.00")
    assert outcome.thresholds == (100,)
    assert outcome.balance.remaining == Decimal("0.00")
    assert outcome.balance.overage == Decimal("750.00")


@given(st.lists(st.decimals(min_value=0, max_value=10**6, places=2), max_size=30))
def test_the_balance_never_increases_with_usage(charges):
    balance = Balance(FUNDED)
    for charge in charges:
        after = balance.draw(charge)
        assert after.remaining <= balance.remaining
        assert after.overage >= balance.overage
        assert after.remaining + min(after.used, FUNDED) == FUNDED
        balance = after


@given(st.lists(st.decimals(min_value=0, max_value=10**5, places=2), max_size=30))
def test_each_threshold_is_notified_at_most_once_per_term(charges):
    balance, notified = Balance(FUNDED), []
    for charge in charges:
        outcome = apply_usage(balance, UsageRecord(START, charge, Decimal(1)), notified)
        notified += outcome.thresholds
        balance = outcome.balance
    assert len(notified) == len(set(notified))
    assert tuple(sorted(notified)) == thresholds_reached(balance)


def test_additional_orders_fund_the_year_they_are_placed_in_without_absorbing_invoiced_overage():
    """O3, O5: May's overage is invoiced; a June order funds June onwards in full."""
    more = CommitmentOrder(OrderKind.ADDITIONAL, 1, Decimal("20000"), date(2025, 6, 1))
    records = (usage(date(2025, 5, 1), "110000"),)
    assert term_balance(START, ORDERS + (more,), records, 1, date(2025, 5, 31)).overage == (
        Decimal("10000.00")
    )
    after = term_balance(START, ORDERS + (more,), records, 1, date(2025, 6, 1))
    assert (after.remaining, after.overage) == (Decimal("20000.00"), Decimal("10000.00"))


def test_usage_of_another_year_does_not_touch_this_years_balance():
    records = (usage(date(2026, 4, 1), "5000"), usage(date(2026, 3, 31), "1000"))
    assert term_balance(START, ORDERS, records, 1, date(2026, 12, 31)).used == Decimal("1000.00")


def test_the_burn_down_series_has_a_point_for_the_start_and_each_change():
    records = (
        usage(date(2025, 5, 3), "30000"),
        usage(date(2025, 5, 3), "10000"),
        usage(date(2025, 7, 1), "70000"),
        usage(date(2025, 9, 1), "1"),
    )
    assert burn_down(START, ORDERS, records, 1, as_of=date(2025, 8, 31)) == [
        BurnDownPoint(date(2025, 4, 1), Decimal("100000.00"), Decimal("0.00")),
        BurnDownPoint(date(2025, 5, 3), Decimal("60000.00"), Decimal("0.00")),
        BurnDownPoint(date(2025, 7, 1), Decimal("0.00"), Decimal("10000.00")),
    ]


def test_overage_is_counted_in_the_month_it_arises():
    records = (
        usage(date(2025, 5, 3), "90000"),
        usage(date(2025, 6, 30), "15000"),
        usage(date(2025, 7, 2), "2000"),
    )
    assert overage_by_month(START, ORDERS, records, 1, date(2025, 8, 15)) == {
        date(2025, 6, 1): Decimal("5000.00"),
        date(2025, 7, 1): Decimal("2000.00"),
    }


def test_o3_an_additional_order_tops_up_for_later_usage_and_never_absorbs_invoiced_overage():
    top_up = CommitmentOrder(OrderKind.ADDITIONAL, 1, Decimal("10000"), date(2025, 7, 20))
    records = (usage(date(2025, 6, 3), "105000"), usage(date(2025, 8, 3), "6000"))
    orders = ORDERS + (top_up,)
    assert overage_by_month(START, orders, records, 1, date(2025, 9, 1)) == {
        date(2025, 6, 1): Decimal("5000.00"),
    }
    balance = term_balance(START, orders, records, 1, date(2025, 9, 1))
    assert (balance.remaining, balance.overage) == (Decimal("4000.00"), Decimal("5000.00"))
    assert thresholds_reached(balance) == (50, 75, 90)  # 6,000 of 10,000 added: 96% drawn


# The auditor's case (O3, O5, O6): 50,000 committed, June 55,000 used, a July order of 10,000,
# August 10,000 more. Rows: orders, usage, then the overage invoiced per month.
ADDITIONAL_ORDER_CASES = [
    (  # the auditor's case: June's 5,000 is invoiced once; the July order funds August
        [("50000", date(2025, 3, 20)), ("10000", date(2025, 7, 10))],
        [(date(2025, 6, 15), "55000"), (date(2025, 8, 15), "10000")],
        {date(2025, 6, 1): "5000"},
    ),
    (  # an order smaller than the next month's usage: only the excess is new overage
        [("50000", date(2025, 3, 20)), ("3000", date(2025, 7, 10))],
        [(date(2025, 6, 15), "55000"), (date(2025, 8, 15), "10000")],
        {date(2025, 6, 1): "5000", date(2025, 8, 1): "7000"},
    ),
    (  # an order placed in the month the overage arises counts before that month closes
        [("50000", date(2025, 3, 20)), ("10000", date(2025, 6, 20))],
        [(date(2025, 6, 15), "55000"), (date(2025, 8, 15), "10000")],
        {date(2025, 8, 1): "5000"},
    ),
    (  # an order drops the overage below what was invoiced; later usage is not billed twice
        [("50000", date(2025, 3, 20)), ("2000", date(2025, 7, 1)), ("2000", date(2025, 9, 1))],
        [(date(2025, 6, 1), "51000"), (date(2025, 7, 2), "500"), (date(2025, 8, 2), "2000"),
         (date(2025, 9, 2), "2500")],
        {date(2025, 6, 1): "1000", date(2025, 8, 1): "500", date(2025, 9, 1): "500"},
    ),
]


@pytest.mark.parametrize(("orders", "records", "expected"), ADDITIONAL_ORDER_CASES)
def test_o3_o6_overage_already_invoiced_is_not_billed_again_after_an_additional_order(
    orders, records, expected
):
    placed = tuple(
        CommitmentOrder(OrderKind.INITIAL if i == 0 else OrderKind.ADDITIONAL, 1,
                        Decimal(amount), day)
        for i, (amount, day) in enumerate(orders)
    )
    used = tuple(usage(day, amount) for day, amount in records)
    months = overage_by_month(START, placed, used, 1, date(2026, 3, 31))
    assert months == {month: Decimal(amount) for month, amount in expected.items()}


_DAYS = st.dates(min_value=START, max_value=date(2026, 3, 31))


@given(
    st.lists(st.tuples(_DAYS, st.decimals(min_value=0, max_value=60000, places=2)), max_size=12),
    st.lists(st.tuples(_DAYS, st.decimals(min_value=1, max_value=20000, places=2)), max_size=4),
)
def test_o5_o6_the_term_bills_commitments_and_overage_without_billing_any_usage_twice(
    records, top_ups
):
    """Commitments plus overage invoices equal the usage plus the commitment left unused:
    no usage is billed both from the commitment and as overage, nor as overage twice."""
    used = tuple(usage(day, str(amount)) for day, amount in records)
    orders = ORDERS + tuple(
        CommitmentOrder(OrderKind.ADDITIONAL, 1, amount, day) for day, amount in top_ups
    )
    term_end = date(2026, 3, 31)
    months = overage_by_month(START, orders, used, 1, term_end)
    final = term_balance(START, orders, used, 1, term_end)
    total_used = usage_charge(used)
    commitments = sum((o.amount_excl_tax for o in orders), start=Decimal(0))
    billed = commitments + sum(months.values(), start=Decimal(0))
    assert billed == total_used + final.remaining
    assert sum(months.values(), start=Decimal(0)) == final.overage
    assert all(amount > 0 for amount in months.values())
