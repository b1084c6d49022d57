"""C6 tax display, money formatting in the buyer's locale, reseller markups."""

from decimal import Decimal

import pytest
from babel.numbers import format_currency as babel_format_currency
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.pricing import (
    buyer_locale,
    format_money,
    reseller_price,
    spaced,
    tax_inclusive,
    tax_label,
)


@pytest.mark.parametrize("market", ["AU", "BR", "au"])
def test_australia_and_brazil_prices_include_tax_c6(market):
    assert tax_inclusive(market) and tax_label(market) == "incl. tax"


@pytest.mark.parametrize("market", ["US", "DE", "PL", "GB", "NZ", "AR"])
def test_other_markets_exclude_tax_c6(market):
    assert not tax_inclusive(market) and tax_label(market) == "excl. tax"


def test_money_uses_the_buyers_locale_and_currency():
    assert format_money(Decimal("1234.5"), "PLN", buyer_locale("pl", "PL")) == "1\xa0234,50\xa0zł"
    assert format_money(Decimal("1234.5"), "EUR", buyer_locale("de", "DE")) == "1.234,50\xa0€"
    assert format_money(Decimal("1234.5"), "USD", buyer_locale("en", "US")) == "$1,234.50"


def test_an_unknown_locale_falls_back_to_the_default():
    assert buyer_locale("xx", "YY") == "en_US"
    assert buyer_locale(None, None, "de_DE") == "de_DE"


def test_reseller_price_is_cost_plus_markup_rounded_to_the_cent():
    assert reseller_price(Decimal("10.00"), Decimal("15"), "EUR") == Decimal("11.50")
    assert reseller_price(Decimal("9.99"), Decimal("12.5"), "EUR") == Decimal("11.24")
    assert reseller_price(Decimal("10"), None, "EUR") is None


def test_amounts_that_compare_equal_print_as_babel_prints_them():
    """-0 is not 0 to Babel, nor 12.5 the same text as 12.50 before formatting."""
    for amount in (Decimal("0"), Decimal("-0"), Decimal("12.5"), Decimal("12.50")):
        assert format_money(amount, "USD", "en_US") == babel_format_currency(
            amount, "USD", locale="en_US")


# Locales whose patterns differ: grouping (en_IN's 12,34,567), symbol after the number,
# no minor unit (JPY), three minor digits (KWD), right-to-left marks (ar, he), Swiss
# apostrophes, a narrow no-break space (fr), and a locale Babel does not know.
LOCALES = ("en_US", "en_IN", "de_DE", "pl_PL", "fr_FR", "de_CH", "ja_JP", "ar_EG", "he_IL",
           "pt_BR", "nl_NL", "sv_SE", "hi_IN", "fa_IR", "my_MM")
CURRENCIES = ("USD", "EUR", "PLN", "JPY", "KWD", "INR", "CHF", "BRL", "GBP", "CLP")


@settings(max_examples=400, deadline=None)
@given(amount=st.decimals(min_value=-10**12, max_value=10**12, places=3, allow_nan=False),
       locale=st.sampled_from(LOCALES), currency=st.sampled_from(CURRENCIES))
def test_money_prints_exactly_what_babel_prints(amount, locale, currency):
    """The shop formats money without running Babel's pattern per amount (#27): the text
    must still be Babel's, including amounts it has to round (those go to Babel), with
    CLDR's currency spacing, which Babel leaves out."""
    babel = babel_format_currency(amount, currency, locale=locale)
    assert format_money(amount, currency, locale) == spaced(babel)
    assert spaced(babel).replace("\xa0", "") == babel.replace("\xa0", "")  # only spaces added


@pytest.mark.parametrize(("currency", "locale", "shown"), [
    ("PLN", "en_US", "PLN\xa01,234.50"), ("SEK", "en_US", "-SEK\xa01,234.50"),
    ("CHF", "de_CH", "CHF\xa01'234.50"), ("USD", "en_US", "$1,234.50"),
    ("CNY", "en_US", "CN¥1,234.50"), ("PLN", "pl_PL", "1\xa0234,50\xa0zł"),
    ("PLN", "de_DE", "1.234,50\xa0PLN")])
def test_a_currency_code_standing_as_the_sign_is_set_apart_from_the_number(
        currency, locale, shown):
    """CLDR's currencySpacing, as ICU and browsers apply it: the admin's dashboard read
    "PLN300.00" (Babel's en_US text), where every browser writes "PLN 300.00"."""
    amount = Decimal("-1234.50") if shown.startswith("-") else Decimal("1234.50")
    assert format_money(amount, currency, locale) == shown
