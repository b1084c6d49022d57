"""O2, O3, O5, O8: a month's overage offset by an annual or additional order instead of paid."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from commitments.balance import Offset, burn_down, term_balance
from commitments.dunning import overage_candidates
from commitments.notices import EnrollmentFacts, NoticeKind, OverageSettlement, SettlementOption
from commitments.offsets import OffsetRequest, offset_problems, open_overage, plan_offset
from commitments.orders import CommitmentOrder, OrderKind
from commitments.problems import CommitmentRefused
from tests.commitments.test_commitments_due_notices import run_job, usage, without_thresholds

K = NoticeKind
MAY = date(2025, 5, 1)
INITIAL = CommitmentOrder(OrderKind.INITIAL, 1, Decimal("100000"), date(2025, 3, 20), ref=1)
# May runs RMB 5,000 past the commitment; its statement goes out on 6 June.
MAY_USAGE = (usage(date(2025, 5, 20), "105000"),)


def order(amount: str, on: date, ref: int = 2, kind=OrderKind.ADDITIONAL, year: int = 1):
    return CommitmentOrder(kind, year, Decimal(amount), on, ref=ref)


def facts_with(active, *orders, offsets=(), usage_=MAY_USAGE) -> EnrollmentFacts:
    settlement = OverageSettlement(MAY, option=SettlementOption.OFFSET, offsets=tuple(offsets))
    return EnrollmentFacts(active, (INITIAL, *orders), usage_, (settlement,) if offsets else ())


def codes(facts, request, today):
    return [p.code for p in offset_problems(facts, request, today)]


def test_o3_refuses_an_order_of_another_enrollment(active):
    facts = facts_with(active, order("10000", date(2025, 6, 10)))
    assert codes(facts, OffsetRequest(MAY, 99), date(2025, 6, 10)) == [
        "O3.offset_order_of_another_enrollment"]


def test_o3_refuses_an_order_placed_before_the_months_statement(active):
    facts = facts_with(active, order("10000", date(2025, 6, 5)))
    assert codes(facts, OffsetRequest(MAY, 2), date(2025, 6, 10)) == [
        "O3.offset_order_before_statement"]


def test_o3_refuses_the_initial_order(active):
    facts = facts_with(active)
    assert codes(facts, OffsetRequest(MAY, 1), date(2025, 6, 10)) == [
        "O3.offset_order_not_annual_or_additional"]


def test_o3_refuses_an_order_already_fully_used_by_earlier_offsets(active):
    earlier = Offset(MAY, 2, 1, Decimal("3000.00"), date(2025, 6, 10))
    facts = facts_with(active, order("3000", date(2025, 6, 10)), offsets=[earlier])
    with pytest.raises(CommitmentRefused) as refused:
        plan_offset(facts, OffsetRequest(MAY, 2), date(2025, 6, 11))
    assert [p.code for p in refused.value.problems] == ["O3.offset_order_fully_used"]
    assert refused.value.problems[0].field == "order"


def test_o3_refuses_an_order_whose_commitment_usage_has_drawn_already(active):
    june = (*MAY_USAGE, usage(date(2025, 6, 12), "10000"))
    facts = facts_with(active, order("10000", date(2025, 6, 10)), usage_=june)
    assert codes(facts, OffsetRequest(MAY, 2), date(2025, 6, 13)) == [
        "O3.offset_order_fully_used"]


def test_o5_refuses_an_offset_larger_than_the_overage_still_open(active):
    earlier = Offset(MAY, 2, 1, Decimal("2000.00"), date(2025, 6, 10))
    facts = facts_with(active, order("10000", date(2025, 6, 10)), offsets=[earlier])
    request = OffsetRequest(MAY, 2, Decimal("3000.01"))
    problems = offset_problems(facts, request, date(2025, 6, 11))
    assert [(p.code, p.field) for p in problems] == [("O5.offset_exceeds_open_overage", "amount")]
    assert "RMB 3,000.00" in problems[0].message


def test_o3_refuses_an_offset_larger_than_what_the_order_has_left(active):
    facts = facts_with(active, order("2000", date(2025, 6, 10)))
    assert codes(facts, OffsetRequest(MAY, 2, Decimal("2500")), date(2025, 6, 10)) == [
        "O3.offset_exceeds_order_left"]


def test_o5_refuses_a_month_without_open_overage(active):
    facts = facts_with(active, order("10000", date(2025, 7, 10)))
    assert codes(facts, OffsetRequest(date(2025, 6, 1), 2), date(2025, 7, 10)) == [
        "O5.no_open_overage"]


def test_o3_a_full_offset_funds_the_overage_from_the_order_and_leaves_the_rest_for_usage(active):
    facts = facts_with(active, order("8000", date(2025, 6, 10)))
    planned = plan_offset(facts, OffsetRequest(MAY, 2), date(2025, 6, 10))
    assert planned == Offset(MAY, 2, 1, Decimal("5000.00"), date(2025, 6, 10))
    after = replace(facts, overage_settlements=(
        OverageSettlement(MAY, option=SettlementOption.OFFSET, offsets=(planned,)),))
    balance = term_balance(active.start, after.orders, after.usage, 1, date(2025, 6, 30),
                           after.offsets)
    assert (balance.remaining, balance.offset, balance.overage) == (
        Decimal("3000.00"), Decimal("5000.00"), Decimal("5000.00"))
    points = burn_down(active.start, after.orders, after.usage, 1, date(2025, 6, 30),
                       after.offsets)
    assert [(p.day, p.remaining) for p in points][-2:] == [
        (date(2025, 5, 20), Decimal("0.00")), (date(2025, 6, 10), Decimal("3000.00"))]
    assert open_overage(after, MAY, date(2025, 6, 10)) == Decimal("0.00")


def test_o3_an_order_smaller_than_the_overage_offsets_part_and_the_rest_stays_payable(active):
    facts = facts_with(active, order("2000", date(2025, 6, 10)))
    planned = plan_offset(facts, OffsetRequest(MAY, 2), date(2025, 6, 10))
    assert planned.amount == Decimal("2000.00")
    after = facts_with(active, order("2000", date(2025, 6, 10)), offsets=[planned])
    assert open_overage(after, MAY, date(2025, 6, 10)) == Decimal("3000.00")
    balance = term_balance(active.start, after.orders, after.usage, 1, date(2025, 6, 30),
                           after.offsets)
    assert (balance.remaining, balance.overage) == (Decimal("0.00"), Decimal("5000.00"))


def test_o8_a_month_offset_in_full_is_settled_on_the_offset_date(active):
    offset = Offset(MAY, 2, 1, Decimal("5000.00"), date(2025, 6, 7))
    facts = facts_with(active, order("8000", date(2025, 6, 6)), offsets=[offset])
    log = without_thresholds(run_job(facts, date(2025, 5, 21), date(2025, 10, 31)))
    assert [(day, kind) for day, kind, _ in log] == [(date(2025, 6, 6), K.OVERAGE_STATEMENT)]


def test_o8_a_full_offset_after_the_advice_stops_the_suspension(active):
    offset = Offset(MAY, 2, 1, Decimal("5000.00"), date(2025, 7, 1))
    facts = facts_with(active, order("8000", date(2025, 7, 1)), offsets=[offset])
    kinds = [k for _, k, _ in without_thresholds(
        run_job(facts, date(2025, 5, 21), date(2025, 10, 31)))]
    assert kinds == [K.OVERAGE_STATEMENT, K.OVERAGE_NOTIFICATION, K.OVERAGE_PAYMENT_ADVICE,
                     K.OVERAGE_PAYMENT_REMINDER]


def test_o8_a_partial_offset_by_the_15th_leaves_the_rest_to_the_advice_and_suspension(active):
    """The offset answers for the 2,000 it covers only: the 3,000 left is unpaid overage,
    dunned on May's O8 dates (the old code sent nothing after the notification)."""
    offset = Offset(MAY, 2, 1, Decimal("2000.00"), date(2025, 6, 10))
    facts = facts_with(active, order("2000", date(2025, 6, 10)), offsets=[offset])
    log = without_thresholds(run_job(facts, date(2025, 5, 21), date(2025, 7, 16)))
    assert [(day, kind) for day, kind, _ in log] == [
        (date(2025, 6, 6), K.OVERAGE_STATEMENT), (date(2025, 6, 8), K.OVERAGE_NOTIFICATION),
        (date(2025, 6, 16), K.OVERAGE_PAYMENT_ADVICE),
        (date(2025, 6, 24), K.OVERAGE_PAYMENT_REMINDER),
        (date(2025, 7, 8), K.OVERAGE_PAYMENT_REMINDER),
        (date(2025, 7, 16), K.SUSPEND_FOR_UNPAID_OVERAGE)]
    advice = [c.notice for c in overage_candidates(facts, date(2025, 6, 16))
              if c.notice.kind is K.OVERAGE_PAYMENT_ADVICE]
    assert [(n.amount, n.pay_by) for n in advice] == [(Decimal("3000.00"), date(2025, 7, 16))]
    assert not facts.settlement(MAY).settled_by(Decimal("5000.00"))


def test_o8_the_rest_of_a_partly_offset_month_paid_before_the_due_date_avoids_suspension(
        active):
    offset = Offset(MAY, 2, 1, Decimal("2000.00"), date(2025, 6, 10))
    facts = facts_with(active, order("2000", date(2025, 6, 10)), offsets=[offset])
    paid = replace(facts.settlement(MAY), settled_on=date(2025, 6, 30))
    facts = replace(facts, overage_settlements=(paid,))
    kinds = [k for _, k, _ in without_thresholds(
        run_job(facts, date(2025, 5, 21), date(2025, 10, 31)))]
    assert kinds == [K.OVERAGE_STATEMENT, K.OVERAGE_NOTIFICATION, K.OVERAGE_PAYMENT_ADVICE,
                     K.OVERAGE_PAYMENT_REMINDER]


def test_o8_after_a_late_partial_offset_the_payment_advice_asks_only_for_the_rest(active):
    offset = Offset(MAY, 2, 1, Decimal("2000.00"), date(2025, 6, 16))
    facts = facts_with(active, order("2000", date(2025, 6, 16)), offsets=[offset])
    advice = [c.notice for c in overage_candidates(facts, date(2025, 6, 16))
              if c.notice.kind is K.OVERAGE_PAYMENT_ADVICE]
    assert [n.amount for n in advice] == [Decimal("3000.00")]


def test_o2_an_annual_order_for_next_year_offsets_from_next_years_commitment(active):
    """December's overage (statement 6 January) offset by the year 2 annual order submitted
    in its window (O2: 60 to 30 days before the anniversary)."""
    december = date(2025, 12, 1)
    records = (usage(date(2025, 12, 10), "101000"),)
    year_2 = order("100000", date(2026, 2, 10), kind=OrderKind.ANNUAL, year=2)
    facts = EnrollmentFacts(active, (INITIAL, year_2), records)
    planned = plan_offset(facts, OffsetRequest(december, 2), date(2026, 2, 10))
    assert planned == Offset(december, 2, 2, Decimal("1000.00"), date(2026, 2, 10))
    after = replace(facts, overage_settlements=(OverageSettlement(december, offsets=(planned,)),))
    year_2_balance = term_balance(active.start, after.orders, after.usage, 2, date(2026, 4, 1),
                                  after.offsets)
    year_1_balance = term_balance(active.start, after.orders, after.usage, 1, date(2026, 3, 31),
                                  after.offsets)
    assert year_2_balance.remaining == Decimal("99000.00")
    assert (year_1_balance.remaining, year_1_balance.overage) == (
        Decimal("0.00"), Decimal("1000.00"))
