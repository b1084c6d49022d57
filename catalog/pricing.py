"""How prices are shown and what each buyer pays (C6 tax display, reseller markups)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.numbers import (
    format_currency,
    get_currency_precision,
    get_currency_symbol,
    get_decimal_symbol,
    get_group_symbol,
)

from persistence.money import round_money

RULE_C6 = "C6"
# C6: commercial prices exclude tax everywhere except these markets, where Microsoft's
# price list is tax-inclusive.
TAX_INCLUSIVE_MARKETS = frozenset({"AU", "BR"})


def tax_inclusive(market: str) -> bool:
    """Whether prices in this market include tax (C6)."""
    return market.upper() in TAX_INCLUSIVE_MARKETS


def tax_label(market: str) -> str:
    """The label every price carries, so nobody mistakes net for gross (C6)."""
    return "incl. tax" if tax_inclusive(market) else "excl. tax"


def buyer_locale(language: str | None, country: str | None, default: str = "en_US") -> str:
    """A Babel locale for the buyer, e.g. pl + PL → pl_PL; unknown pairs fall back."""
    for candidate in (f"{language}_{country}", language, default):
        if not candidate or "None" in candidate:
            continue
        try:
            return str(Locale.parse(candidate))
        except (UnknownLocaleError, ValueError):
            continue
    return default


def format_money(amount: Decimal | float | int, currency: str, locale: str) -> str:
    """Money in the buyer's locale and currency, e.g. 1 234,50 zł for pl_PL/PLN."""
    value = Decimal(amount)
    return _money_pattern(currency, locale).format(value) or _babel_money(value, currency, locale)


def _babel_money(amount: Decimal, currency: str, locale: str) -> str:
    return spaced(format_currency(amount, currency, locale=locale))


# CLDR's currencySpacing, which Babel does not apply: where a currency sign meets the number
# with a letter (a code such as PLN or SEK standing as the sign), a no-break space sets it
# apart, as ICU and every browser print "PLN 1,234.50"; a symbol ($, ¥, €) stays against
# the number ("CN¥1,234.50"), and a pattern's own space is kept.
_LETTER_AT_NUMBER = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")


def spaced(text: str) -> str:
    """Currency text with CLDR's spacing between a letter sign and the number."""
    return _LETTER_AT_NUMBER.sub("\xa0", text)


@dataclass(frozen=True, slots=True)
class MoneyPattern:
    """One currency in one locale, as Babel formats it, with Babel's pattern read once.

    Babel parses the locale, looks up its symbols and walks the CLDR pattern on every call
    (~15 µs); a page not yet cached formats ~360 new amounts (#27). The pieces here are
    Babel's own (pattern prefixes and suffixes, symbols, grouping, the currency's digits),
    and `money_pattern` keeps one only when it prints Babel's exact text for a set of
    probes; anything it does not cover (an amount that needs rounding, scientific or
    significant-digit patterns) returns None and Babel formats it."""

    prefixes: tuple[str, str]  # (positive, negative), currency sign already in place
    suffixes: tuple[str, str]
    decimal_symbol: str
    group_symbol: str
    grouping: tuple[int, int]
    min_int: int
    digits: int  # the currency's minor digits: every amount is shown with exactly these

    def format(self, amount: Decimal) -> str | None:
        if not amount.is_finite():
            return None
        quantum = Decimal(1).scaleb(-self.digits)
        shown = abs(amount).quantize(quantum)
        if shown != abs(amount):
            return None  # would need rounding: Babel's rule, not ours
        whole, _, fraction = f"{shown:f}".partition(".")
        number = self._grouped(whole.rjust(self.min_int, "0"))
        if self.digits:
            number += self.decimal_symbol + fraction
        negative = int(amount.is_signed())
        return self.prefixes[negative] + number + self.suffixes[negative]

    def _grouped(self, digits: str) -> str:
        size, tail = self.grouping[0], ""
        while len(digits) > size:
            tail = self.group_symbol + digits[-size:] + tail
            digits, size = digits[:-size], self.grouping[1]
        return digits + tail


PROBES = tuple(Decimal(text) for text in (
    "0", "-0", "0.5", "1", "7.25", "12.3", "999.99", "1000", "-1234.56", "12345.6",
    "123456.78", "1234567.89", "-98765432.1", "100000000000"))


@lru_cache(maxsize=512)
def _money_pattern(currency: str, locale: str) -> MoneyPattern | _NoPattern:
    """The fast pattern for a currency and locale when it agrees with Babel on every probe."""
    try:
        found = _read_pattern(currency, Locale.parse(locale))
    except (KeyError, ValueError, UnknownLocaleError):
        return _NO_PATTERN
    if found is None or any(found.format(probe) != _babel_money(probe, currency, locale)
                            for probe in PROBES):
        return _NO_PATTERN
    return found


def _read_pattern(currency: str, locale: Locale) -> MoneyPattern | None:
    pattern = locale.currency_formats["standard"]
    if pattern.exp_prec or "@" in pattern.pattern or pattern.scale or not pattern.number_pattern:
        return None
    symbol = get_currency_symbol(currency, locale)

    def placed(text: str) -> str:
        if "¤¤¤" in text:  # the currency's plural name depends on the amount
            raise ValueError(text)
        text = text.replace("¤¤", currency.upper()).replace("¤", symbol)
        return re.sub(r"'([^']*)'", lambda m: m.group(1) or "'", text)

    def before(text: str) -> str:  # currencySpacing, as `spaced` applies it to Babel's text
        return text + "\xa0" if text[-1:].isalpha() else text

    def after(text: str) -> str:
        return "\xa0" + text if text[:1].isalpha() else text

    return MoneyPattern(
        prefixes=(before(placed(pattern.prefix[0])), before(placed(pattern.prefix[1]))),
        suffixes=(after(placed(pattern.suffix[0])), after(placed(pattern.suffix[1]))),
        decimal_symbol=get_decimal_symbol(locale), group_symbol=get_group_symbol(locale),
        grouping=pattern.grouping, min_int=pattern.int_prec[0],
        digits=get_currency_precision(currency))


class _NoPattern:
    """Babel formats every amount of this currency and locale."""

    def format(self, _amount: Decimal) -> None:
        return None


_NO_PATTERN = _NoPattern()


def reseller_price(cost: Decimal, markup_percent: Decimal | None,
                   currency: str) -> Decimal | None:
    """A reseller's unit price: the provider's cost plus the reseller's markup, rounded by
    the one rule (B5) to the currency's minor unit, so billing charges what the shop showed."""
    if markup_percent is None:
        return None
    factor = Decimal(1) + Decimal(markup_percent) / Decimal(100)
    return round_money(Decimal(cost) * factor, currency)
