"""B5 for OSPA usage: records keep their exact cost; every reported sum is rounded once, half up.

A thousand records of 0.003 units at RMB 1.50 cost RMB 4.50 together, though each record on
its own shows RMB 0.00.
"""

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from commitments.balance import UsageRecord, overage_by_month, term_balance, usage_charge
from commitments.enrollment import Enrollment, Status
from commitments.extended_term import extended_term_overage
from commitments.money import to_money
from commitments.notices import EnrollmentFacts
from commitments.orders import CommitmentOrder, OrderKind
from commitments.usage_reports import period_charge, usage_report

START = date(2025, 4, 1)
FUNDED = Decimal("100000.00")
ORDERS = (CommitmentOrder(OrderKind.INITIAL, 1, FUNDED, date(2025, 3, 20)),)
TINY = tuple(UsageRecord(date(2025, 6, 1 + i % 30), Decimal("0.003"), Decimal("1.50"), "vm")
             for i in range(1000))


def test_b5_a_thousand_tiny_records_cost_their_exact_sum_rounded_once():
    assert TINY[0].charge == Decimal("0.00")
    assert usage_charge(TINY) == Decimal("4.50")
    balance = term_balance(START, ORDERS, TINY, 1, date(2025, 6, 30))
    assert (balance.used, balance.remaining) == (Decimal("4.50"), Decimal("99995.50"))


def test_b5_overage_made_of_tiny_records_is_invoiced_at_its_exact_sum():
    records = (UsageRecord(date(2025, 5, 2), FUNDED, Decimal(1)),) + TINY
    months = overage_by_month(START, ORDERS, records, 1, date(2025, 7, 31))
    assert months == {date(2025, 6, 1): Decimal("4.50")}
    assert term_balance(START, ORDERS, records, 1, date(2025, 7, 31)).overage == Decimal("4.50")


def test_b5_an_exact_half_fen_is_rounded_up_once_not_dropped_per_record():
    records = tuple(UsageRecord(date(2025, 6, 2), Decimal("0.001"), Decimal("1.25"))
                    for _ in range(4))  # 4 x 0.00125 = 0.005
    assert usage_charge(records) == Decimal("0.01")
    assert term_balance(START, ORDERS, records, 1, date(2025, 6, 30)).used == Decimal("0.01")


def test_b5_the_periodic_usage_report_states_the_exact_sum_rounded_once():
    assert period_charge(TINY, date(2025, 6, 1), date(2025, 6, 30)) == Decimal("4.50")
    enrollment = Enrollment("V5700001", "c", "p", START, status=Status.ACTIVE, status_since=START)
    report = usage_report(EnrollmentFacts(enrollment, ORDERS, TINY), date(2025, 6, 1),
                          date(2025, 6, 30))
    assert report is not None
    assert report.message == ("Usage from 2025-06-01 to 2025-06-30: RMB 4.50. "
                              "Remaining year 1 commitment: RMB 99,995.50.")


def test_b5_extended_term_overage_is_one_invoice_line_per_month_rounded_once():
    enrollment = Enrollment("V5700001", "c", "p", START, extended_term=True,
                            status=Status.EXPIRED, status_since=date(2028, 4, 1))
    records = [UsageRecord(date(2028, 4, 2), Decimal("0.003"), Decimal("1.50"))] * 1000
    assert extended_term_overage(enrollment, records, renewed=False,
                                 as_of=date(2028, 4, 30)) == {date(2028, 4, 1): Decimal("4.50")}


_RECORD = st.tuples(
    st.dates(min_value=START, max_value=date(2026, 3, 31)),
    st.decimals(min_value=0, max_value=30000, places=3),
    st.decimals(min_value=0, max_value=5, places=4),
)


@given(st.lists(_RECORD, max_size=40),
       st.lists(st.decimals(min_value=Decimal("0.01"), max_value=10000, places=2), max_size=2))
def test_b5_what_the_balance_reports_adds_up_to_the_invoices_to_the_fen(records, top_ups):
    """Used = the exact usage rounded once; the overage the page shows is the sum of the
    monthly invoice lines; and funded + invoices = used + left, fen for fen."""
    usage = tuple(UsageRecord(day, quantity, price) for day, quantity, price in records)
    orders = ORDERS + tuple(CommitmentOrder(OrderKind.ADDITIONAL, 1, amount, date(2025, 9, 1))
                            for amount in top_ups)
    end = date(2026, 3, 31)
    balance = term_balance(START, orders, usage, 1, end)
    invoices = sum(overage_by_month(START, orders, usage, 1, end).values(), start=Decimal(0))
    exact = sum((r.quantity * r.unit_price for r in usage), start=Decimal(0))
    assert balance.used == to_money(exact)
    assert balance.overage == invoices
    assert balance.funded + invoices == balance.used + balance.remaining
