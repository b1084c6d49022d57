"""C6 tax display, money formatting in the buyer's locale, reseller markups."""

from decimal import Decimal

import pytest
from babel.numbers import format_currency as babel_format_currency

from catalog.pricing import buyer_locale, format_money, reseller_price, tax_inclusive, tax_label


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


def test_remembered_formats_keep_amounts_that_compare_equal_apart():
    """Formats are remembered by the amount's exact text: -0 is not 0 to Babel."""
    for amount in (Decimal("0"), Decimal("-0"), Decimal("12.5"), Decimal("12.50")):
        assert format_money(amount, "USD", "en_US") == babel_format_currency(
            amount, "USD", locale="en_US")
