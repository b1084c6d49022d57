"""O5: usage draws the balance down, thresholds are notified once, overage at the same rates."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
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
from commitments.dunning import monthly_overage
from commitments.enrollment import Document, Enrollment, Status
from commitments.notices import EnrollmentFacts, OverageSettlement
from commitments.offsets import OffsetRequest, open_overage, plan_offset
from commitments.orders import CommitmentOrder, OrderKind
from commitments.problems import CommitmentRefused
from commitments.schedule import overage_timeline

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


_ACTIVE = Enrollment("V5700001", "customer-1", "partner-1", START,
                     signed_documents=frozenset(Document), status=Status.ACTIVE,
                     status_since=START)


def _apply_offsets(orders, used, attempts) -> EnrollmentFacts:
    """Record each attempted offset (an order, days after it was placed, a month with open
    overage, an amount or all it can) that the O3/O5 rules accept, in date order; refused
    ones are skipped, as the page would refuse them."""
    facts = EnrollmentFacts(_ACTIVE, orders, used)
    tried = []
    for ref, delay, pick, amount in attempts:
        placed = next((o.submitted_on for o in orders if o.ref == ref), START)
        tried.append((min(placed + timedelta(days=delay), date(2026, 3, 31)), pick, ref, amount))
    for day, pick, ref, amount in sorted(tried, key=lambda t: t[:3]):
        open_months = sorted(m for m in monthly_overage(facts, day)
                             if open_overage(facts, m, day) > 0)
        if not open_months:
            continue
        request = OffsetRequest(open_months[pick % len(open_months)], ref, amount)
        try:
            offset = plan_offset(facts, request, day)
        except CommitmentRefused:
            continue
        settlements = {s.month: s for s in facts.overage_settlements}
        before = settlements.get(offset.month, OverageSettlement(offset.month))
        settlements[offset.month] = replace(before, offsets=(*before.offsets, offset))
        facts = replace(facts, overage_settlements=tuple(settlements.values()))
    return facts


@settings(max_examples=200)
@given(  # enough usage to run past the commitment, and orders that can offset it
    st.lists(st.tuples(st.dates(START, date(2025, 12, 31)),
                       st.decimals(min_value=10000, max_value=60000, places=2)),
             min_size=2, max_size=10),
    st.lists(st.tuples(st.dates(date(2025, 9, 1), date(2026, 3, 31)),
                       st.decimals(min_value=1, max_value=20000, places=2)),
             min_size=1, max_size=3),
    st.lists(st.tuples(st.integers(1, 3), st.integers(0, 45), st.integers(0, 3),
                       st.one_of(st.none(), st.decimals(min_value=1, max_value=8000, places=2))),
             min_size=1, max_size=4),
)
def test_o3_o5_offsets_credit_overage_the_orders_fund_and_no_usage_is_billed_twice(
    records, top_ups, attempts
):
    """Commitments plus overage invoices less the credits of offsets equal the usage plus
    the commitment left unused; an offset never credits more than its month's overage nor
    takes more than its order, and never changes what a month already invoiced."""
    used = tuple(usage(day, str(amount)) for day, amount in records)
    orders = ORDERS + tuple(
        CommitmentOrder(OrderKind.ADDITIONAL, 1, amount, day, ref=i)
        for i, (day, amount) in enumerate(top_ups, start=1)
    )
    term_end = date(2026, 3, 31)
    facts = _apply_offsets(orders, used, attempts)
    offsets = facts.offsets
    months = overage_by_month(START, orders, used, 1, term_end, offsets)
    final = term_balance(START, orders, used, 1, term_end, offsets)
    credits = sum((o.amount for o in offsets), start=Decimal(0))
    commitments = sum((o.amount_excl_tax for o in orders), start=Decimal(0))
    overage = sum(months.values(), start=Decimal(0))
    assert commitments + overage - credits == usage_charge(used) + final.remaining
    for month, amount in months.items():
        assert facts.settlement(month).offset_by(term_end) <= amount
    for order in orders[1:]:
        assert sum((o.amount for o in offsets if o.order_ref == order.ref),
                   start=Decimal(0)) <= order.amount_excl_tax
    if offsets:  # months invoiced before the first offset are as they were invoiced
        first = min(o.offset_on for o in offsets)
        without = overage_by_month(START, orders, used, 1, term_end)
        closed = [m for m in without if overage_timeline(m).statement_on <= first]
        assert {m: months.get(m) for m in closed} == {m: without[m] for m in closed}
