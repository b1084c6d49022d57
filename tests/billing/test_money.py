"""B2/B5: Microsoft's proration arithmetic and the rounding rule, checked against every
figure of Microsoft's worked examples:
https://learn.microsoft.com/en-us/partner-center/billing/common-billing-scenarios-onetime-recurring
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from persistence.money import (
    add_months,
    charge_amount,
    charge_cycle,
    cycle_days,
    cycle_on,
    minor_unit,
    prorate,
    round_money,
    shortened_term_amount,
)


def seat_change(unit: str, bought: date, changed: date, before: int, after: int,
                currency: str = "EUR") -> tuple[Decimal, Decimal]:
    start, end = charge_cycle(bought, 1, changed)
    effective = prorate(Decimal(unit), cycle_days(start, end), cycle_days(changed, end))
    return -charge_amount(effective, before, currency), charge_amount(effective, after, currency)


def test_adding_two_seats_on_day_three_is_microsofts_pair_of_lines():
    # 10 seats at EUR 10.08 bought 18 June 2021 (cycle 18 June – 17 July, 30 days), 2 more
    # on 20 June: 28 billable days, effective unit price 9.408
    assert charge_cycle(date(2021, 6, 18), 1, date(2021, 6, 20)) == \
        (date(2021, 6, 18), date(2021, 7, 17))
    assert seat_change("10.08", date(2021, 6, 18), date(2021, 6, 20), 10, 12) == \
        (Decimal("-94.08"), Decimal("112.89"))


def test_removing_four_seats_the_same_day_is_microsofts_remove_quantity_pair():
    assert seat_change("10.08", date(2021, 6, 18), date(2021, 6, 20), 12, 8) == \
        (Decimal("-112.89"), Decimal("75.26"))


@pytest.mark.parametrize(("changed", "before", "after", "refund", "charge"), [
    # Microsoft's March 2022 table: 12.00 a seat, bought 5 March (cycle to 4 April, 31 days)
    (date(2022, 3, 7), 10, 15, "-112.25", "168.38"),
    (date(2022, 3, 10), 15, 25, "-150.96", "251.61"),
    (date(2022, 3, 12), 25, 23, "-232.25", "213.67"),
    (date(2022, 3, 14), 23, 20, "-195.87", "170.32"),
    (date(2022, 3, 25), 20, 30, "-85.16", "127.74"),
])
def test_every_line_of_microsofts_seat_change_table_comes_out_to_the_cent(
        changed, before, after, refund, charge):
    assert seat_change("12", date(2022, 3, 5), changed, before, after) == \
        (Decimal(refund), Decimal(charge))


@pytest.mark.parametrize(("bought", "on", "cycle"), [
    # "When you buy on the last day of a month": the annual plan billed monthly
    (date(2021, 1, 31), date(2021, 2, 10), (date(2021, 1, 31), date(2021, 2, 27))),
    (date(2021, 1, 31), date(2021, 3, 1), (date(2021, 2, 28), date(2021, 3, 30))),
    (date(2021, 1, 31), date(2021, 4, 29), (date(2021, 3, 31), date(2021, 4, 29))),
    (date(2021, 1, 31), date(2021, 12, 31), (date(2021, 12, 31), date(2022, 1, 30))),
    # "When you buy on the day before the last day", monthly terms. (The page's annual table
    # for 30 January instead starts cycles on each month's last day but one, 29 April, 29
    # June, and contradicts both its monthly rows and its 31 January table; we follow those.)
    (date(2021, 1, 30), date(2021, 2, 1), (date(2021, 1, 30), date(2021, 2, 27))),
    (date(2021, 2, 27), date(2021, 3, 1), (date(2021, 2, 27), date(2021, 3, 26))),
    (date(2021, 5, 30), date(2021, 6, 1), (date(2021, 5, 30), date(2021, 6, 29))),
    (date(2021, 6, 29), date(2021, 7, 1), (date(2021, 6, 29), date(2021, 7, 28))),
    (date(2021, 7, 30), date(2021, 8, 1), (date(2021, 7, 30), date(2021, 8, 29))),
])
def test_charge_cycles_at_the_end_of_a_month_follow_microsofts_tables(bought, on, cycle):
    assert charge_cycle(bought, 1, on) == cycle


def test_an_annual_cycle_counts_365_or_366_days():
    assert cycle_days(*charge_cycle(date(2023, 6, 1), 12, date(2023, 7, 1))) == 366
    assert cycle_days(*charge_cycle(date(2021, 6, 18), 12, date(2021, 7, 1))) == 365


def test_amounts_round_half_up_to_each_currencys_minor_unit():
    assert (minor_unit("EUR"), minor_unit("JPY"), minor_unit("KWD")) == \
        (Decimal("0.01"), Decimal("1"), Decimal("0.001"))
    assert round_money(Decimal("2.345"), "EUR") == Decimal("2.35")
    assert round_money(Decimal("-2.345"), "EUR") == Decimal("-2.35")
    assert round_money(Decimal("1234.5"), "JPY") == Decimal("1235")
    assert round_money(Decimal("1.2345"), "KWD") == Decimal("1.235")


def test_a_charge_line_is_cut_toward_zero_as_microsofts_are():
    assert charge_amount(Decimal("9.408"), 12, "EUR") == Decimal("112.89")
    assert charge_amount(Decimal("-9.408"), 12, "EUR") == Decimal("-112.89")
    assert charge_amount(Decimal("99.9"), 3, "JPY") == Decimal("299")


def test_a_prorated_line_that_comes_out_whole_is_not_cut_a_cent_short():
    """10.00 for 10 of 30 days is 3.333… a seat; three seats are exactly 10.00 (B5)."""
    assert charge_amount(prorate(Decimal("10.00"), 30, 10), 3, "EUR") == Decimal("10.00")
    assert charge_amount(prorate(Decimal("10.00"), 30, 10), -3, "EUR") == Decimal("-10.00")


def test_r6_a_cotermed_first_term_is_one_cycle_charged_what_the_cart_quoted():
    bought, end, unit = date(2026, 1, 10), date(2026, 4, 1), Decimal("120.00")
    cycle = cycle_on(date(2026, 3, 1), unit, 12, bought, 12, end)
    assert (cycle.start, cycle.end, cycle.days) == (bought, date(2026, 3, 31), 81)
    assert cycle.amount(10, "USD") == Decimal("266.30") == shortened_term_amount(
        unit, 10, "USD", bought, add_months(bought, 12), end)
    assert charge_amount(cycle.rest(date(2026, 3, 1)), 5, "USD") == Decimal("50.95")


def test_without_a_custom_end_a_cycle_is_the_standard_one_at_the_unit_price():
    cycle = cycle_on(date(2026, 3, 1), Decimal("120.00"), 12, date(2026, 1, 10))
    assert (cycle.start, cycle.end, cycle.price) == (
        *charge_cycle(date(2026, 1, 10), 12, date(2026, 3, 1)), Decimal("120.00"))
