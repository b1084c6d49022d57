"""Parsing Microsoft's NCE price list: every malformed row reported with its line."""

import io
import multiprocessing
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalog.price_list import parse
from tests.catalog.price_lists import row, standard_rows, to_csv


def parsed(rows, **kw):
    return parse(io.StringIO(to_csv(rows, **kw), newline=""))


def test_reads_every_column_into_typed_values():
    result = parsed(standard_rows())
    assert not result.errors and len(result.rows) == 5
    first = result.rows[0]
    assert (first.product_id, first.sku_id, first.term_duration, first.billing_cycle) == (
        "CFQ7TTC0LDPB", "0001", "P1M", "monthly")
    assert first.unit_price == Decimal("12.00") and first.erp_price == Decimal("15.00")
    assert first.tier_min == 1 and first.tier_max is None and first.line == 2
    assert str(first.effective_start) == "2026-11-01"


def test_a_malformed_row_is_reported_with_its_line_number_and_field():
    rows = standard_rows()
    rows[2]["UnitPrice"] = "twelve"
    rows[4]["TermDuration"] = "P2Y"
    result = parsed(rows)
    assert [(e.line, e.field) for e in result.errors] == [(4, "UnitPrice"), (6, "TermDuration")]
    assert str(result.errors[0]) == "line 4: UnitPrice: 'twelve' is not a number"
    assert len(result.rows) == 3


def test_missing_columns_are_reported_once_on_the_header():
    result = parse(["ProductTitle,ProductId\n", "x,y\n"])
    assert result.rows == [] and result.errors[0].line == 1
    assert "SkuId" in result.errors[0].message


def test_a_duplicate_row_points_at_the_first_occurrence():
    result = parsed([row(), row()])
    assert [str(e) for e in result.errors] == ["line 3: row: duplicates line 2"]


def test_negative_price_and_bad_market_are_refused():
    result = parsed([row(UnitPrice="-1"), row(TermDuration="P1Y", Market="USA")])
    assert [e.field for e in result.errors] == ["UnitPrice", "Market"]


def test_perpetual_software_may_have_no_term():
    result = parsed([row(TermDuration="", BillingPlan="OneTime", ProductTitle="Windows Server")])
    assert not result.errors and result.rows[0].billing_cycle == "one_time"


def test_a_utf8_bom_and_us_dates_are_accepted():
    text = "\ufeff" + to_csv([row(EffectiveStartDate="11/1/2026 12:00:00 AM")])
    result = parse(io.StringIO(text, newline=""))
    assert not result.errors and str(result.rows[0].effective_start) == "2026-11-01"


def test_s2_tiers_are_read_and_a_tier_that_prices_no_quantity_is_refused():
    result = parsed([row(PricingTierRangeMin="301", PricingTierRangeMax="1000"),
                     row(SkuId="0002", PricingTierRangeMin="301", PricingTierRangeMax="300")])
    assert (result.rows[0].tier_min, result.rows[0].tier_max) == (301, 1000)
    [error] = result.errors
    assert (error.line, error.field) == (3, "PricingTierRangeMax")
    assert "300 is below the PricingTierRangeMin 301" in error.message


@given(st.dictionaries(st.sampled_from(list(row())), st.text(max_size=12), max_size=6))
def test_arbitrary_cell_values_never_crash_the_parser(changes):
    result = parsed([row(**changes)])
    assert len(result.rows) + len(result.errors) == 1


def test_a_repeated_bad_cell_is_reported_on_every_line_it_appears():
    """Cells are checked once per distinct value; a bad value is never remembered as good."""
    result = parsed([row(UnitPrice="1,5"), row(TermDuration="P1Y", UnitPrice="1,5"),
                     row(TermDuration="P3Y", BillingPlan="Annual", UnitPrice="12.00")])
    assert [(e.line, e.field) for e in result.errors] == [(2, "UnitPrice"), (3, "UnitPrice")]
    assert [r.unit_price for r in result.rows] == [Decimal("12.00")]


def test_a_whole_number_beyond_the_database_is_refused_on_its_line():
    """An id column holds 0..MAX_ID: a larger tier bound fails the line, not the import."""
    rows = standard_rows()
    rows[1]["PricingTierRangeMax"] = "99999999999999999999"
    rows[3]["PricingTierRangeMin"] = "-5"
    result = parsed(rows)
    assert [(e.line, e.field) for e in result.errors] == [
        (3, "PricingTierRangeMax"), (5, "PricingTierRangeMin")]
    assert "99999999999999999999" in result.errors[0].message
    assert "2147483647" in result.errors[0].message and len(result.rows) == 3


def _refusals(rows, answer) -> None:
    answer.put([(e.line, e.field) for e in parsed(rows).errors])


def test_an_exponent_in_a_whole_number_is_refused_at_once_not_expanded():
    """"1e99999999" is a valid Decimal: turning it into an int first built 100 million
    digits, holding the import's worker for minutes. Parsed in a child process, so a
    regression fails here in seconds instead of hanging the suite."""
    rows = standard_rows()
    rows[1]["PricingTierRangeMax"] = "1e99999999"
    rows[3]["PricingTierRangeMin"] = "1.5"  # no count either (int() read it as 1)
    answer = multiprocessing.get_context("fork").Queue()
    child = multiprocessing.get_context("fork").Process(target=_refusals, args=(rows, answer))
    child.start()
    child.join(10)
    if child.is_alive():
        child.kill()
        pytest.fail("a price list with 1e99999999 was still being parsed after 10 s")
    assert answer.get(timeout=1) == [(3, "PricingTierRangeMax"), (5, "PricingTierRangeMin")]


def test_an_amount_beyond_numeric_14_4_is_refused_on_its_line():
    """A Money column is NUMERIC(14, 4): at most 9999999999.9999, to four decimals."""
    rows = standard_rows()
    rows[0]["UnitPrice"] = "10000000000"
    rows[2]["ERP Price"] = "12.34567"
    rows[4]["UnitPrice"] = "9999999999.9999"  # the largest amount: accepted
    rows[3]["UnitPrice"] = "84.000000"  # trailing zeros lose nothing: accepted
    result = parsed(rows)
    assert [(e.line, e.field) for e in result.errors] == [(2, "UnitPrice"), (4, "ERP Price")]
    assert "9999999999.9999" in result.errors[0].message
    assert "4 decimals" in result.errors[1].message
    assert result.rows[-1].unit_price == Decimal("9999999999.9999")
