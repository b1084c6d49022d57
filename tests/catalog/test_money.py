"""The compiled money format matches Babel's format_currency byte for byte."""

from decimal import Decimal

import pytest
from babel.localedata import locale_identifiers
from babel.numbers import format_currency as babel_format_currency
from babel.numbers import list_currencies
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.money import compile_format, format_currency

LOCALES = sorted(locale_identifiers())
CURRENCIES = sorted(list_currencies())
AMOUNTS = st.one_of(
    st.decimals(min_value=-10**9, max_value=10**9, places=4, allow_nan=False),
    st.decimals(min_value=-10**15, max_value=10**15, allow_nan=False, allow_infinity=False),
    st.integers(min_value=-10**12, max_value=10**12).map(Decimal),
    st.sampled_from([Decimal("0"), Decimal("-0"), Decimal("0.005"), Decimal("0.015"),
                     Decimal("999.995"), Decimal("1E+3"), Decimal("12.5E-3")]),
)


def outcome(function, amount, currency, locale):
    try:
        return function(amount, currency, locale=locale)
    except Exception as error:  # noqa: BLE001 -- both must refuse the same way
        return type(error)


@settings(max_examples=3000, deadline=None)
@given(amount=AMOUNTS, currency=st.sampled_from(CURRENCIES), locale=st.sampled_from(LOCALES))
def test_matches_babel_for_any_locale_currency_and_amount(amount, currency, locale):
    assert outcome(format_currency, amount, currency, locale) == \
        outcome(babel_format_currency, amount, currency, locale)


@pytest.mark.parametrize("locale", LOCALES)
def test_matches_babel_in_every_locale_for_the_shops_currencies(locale):
    for currency in ("USD", "EUR", "GBP", "PLN", "JPY", "BRL", "AUD", "INR", "CHF", "BHD"):
        for amount in (Decimal("1234567.891"), Decimal("-0.5"), Decimal("12.5")):
            assert outcome(format_currency, amount, currency, locale) == \
                outcome(babel_format_currency, amount, currency, locale)


def test_common_locales_take_the_compiled_path():
    for locale in ("en_US", "de_DE", "pl_PL", "ja_JP", "pt_BR", "en_IN", "fr_CH"):
        assert compile_format(locale, "EUR") is not None


@pytest.mark.parametrize("amount", [Decimal("Infinity"), Decimal("-Infinity")])
def test_infinite_amounts_are_left_to_babel(amount):
    assert format_currency(amount, "USD", locale="en_US") == babel_format_currency(
        amount, "USD", locale="en_US")
