"""How a price reads (catalog/price_words.py): every term, billing frequency and tax
status in words; never an ISO 8601 duration."""

import pytest

from catalog import price_words as words
from catalog.models import TERMS
from catalog.price_list import BILLING_PLANS


@pytest.mark.parametrize(("term", "text", "phrase"), [
    ("P1M", "1 month", "1-month term"), ("P1Y", "1 year", "1-year term"),
    ("P3Y", "3 years", "3-year term"), ("p1y", "1 year", "1-year term"),
    ("", "no term", "perpetual"), (None, "no term", "perpetual"),
])
def test_a_term_is_written_in_words(term, text, phrase):
    assert words.term_words(term) == text
    assert words.term_phrase(term) == phrase


def test_no_term_microsoft_sells_is_ever_shown_as_its_code():
    for term in TERMS:
        assert term not in words.term_words(term) and term not in words.term_phrase(term)


@pytest.mark.parametrize(("cycle", "frequency", "unit", "period", "charged"), [
    ("monthly", "billed monthly", "per license per month", "per month",
     "charged every month"),
    ("annual", "billed annually", "per license per year", "per year", "charged once a year"),
    ("triennial", "billed every 3 years", "per license per 3 years", "per 3 years",
     "charged every 3 years"),
    ("one_time", "one-time", "per license, one-time", "one-time", "charged once"),
])
def test_each_billing_frequency_says_what_a_price_buys(cycle, frequency, unit, period,
                                                       charged):
    assert words.frequency_words(cycle) == frequency
    assert words.unit_words(cycle) == unit
    assert words.period_words(cycle) == period
    assert words.charged_words(cycle) == charged


def test_every_billing_plan_of_the_price_list_has_its_words():
    for cycle in set(BILLING_PLANS.values()):
        assert cycle in words.FREQUENCY_WORDS and cycle in words.UNIT_WORDS
        assert "_" not in words.price_words(cycle, "US")


@pytest.mark.parametrize(("market", "tax"), [
    ("US", "excl. tax"), ("PL", "excl. tax"), ("DE", "excl. tax"), ("GB", "excl. tax"),
    ("AU", "incl. tax"), ("BR", "incl. tax"), ("au", "incl. tax"), ("", "excl. tax"),
])
def test_a_price_says_whether_tax_is_in_it_c6(market, tax):
    assert words.tax_words(market) == tax


def test_a_price_reads_as_unit_and_tax_and_a_plan_as_term_and_billing():
    assert words.price_words("monthly", "US") == "per license per month · excl. tax"
    assert words.price_words("annual", "AU") == "per license per year · incl. tax"
    assert words.plan_words("P1Y", "monthly") == "1-year term · billed monthly"
    assert words.plan_words("P3Y", "annual") == "3-year term · billed annually"
    assert words.plan_words("", "one_time") == "perpetual · one-time"
    # K12: an Azure plan is ordered one-time with no term, but is neither bought for good
    # nor billed once: its subscriptions' usage is billed every month.
    assert words.plan_words("", "one_time", "azure_plan") == \
        "no term · Azure usage billed monthly"


def test_a_value_microsoft_adds_later_is_written_plainly_not_refused():
    assert words.frequency_words("quarterly_plan") == "billed quarterly plan"
    assert words.term_words("P5Y") == "5 years" and words.term_phrase("P18M") == "18-month term"
    assert words.term_words("P1W") == "1 week"


@pytest.mark.parametrize(("count", "text"), [(0, "0 licenses"), (1, "1 license"),
                                             (2, "2 licenses"), (1200, "1,200 licenses")])
def test_a_count_agrees_with_its_noun(count, text):
    assert words.counted(count, "license") == text
    assert words.counted(count, "key", "keys and links").endswith(
        "key" if count == 1 else "keys and links")
