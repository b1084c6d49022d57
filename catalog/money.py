"""Money in a locale: Babel's standard currency format, with its pattern compiled once.

babel.numbers.format_currency parses the locale, looks up the pattern, the currency's
digits and symbols on every call; a shop page formats hundreds of prices, so that lookup
was a third of the page's rendering. `format_currency` here compiles everything that
depends only on (locale, currency) once and applies it, giving byte-identical output
(tests/catalog/test_money.py compares the two over every locale and currency). Patterns
this shortcut does not cover (scientific, significant digits, long names, quoted text)
go to Babel itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel import numbers as babel_numbers


@dataclass(frozen=True)
class CompiledFormat:
    """Everything format_currency needs that depends only on the locale and currency."""

    prefixes: tuple[str, str]  # (positive, negative), currency placeholders filled in
    suffixes: tuple[str, str]
    scale: int
    quantum: Decimal
    has_fraction: bool
    min_int_digits: int
    grouping: tuple[int, int]
    group_symbol: str
    decimal_symbol: str

    def apply(self, value: Decimal) -> str:
        # The same Decimal steps as NumberPattern.apply, so rounding and -0 match exactly.
        value = value.scaleb(self.scale)
        negative = int(value.is_signed())
        whole, _, fraction = f"{abs(value).normalize().quantize(self.quantum):f}".partition(".")
        number = self._group(whole.rjust(self.min_int_digits, "0"))
        if self.has_fraction:
            number += self.decimal_symbol + fraction
        return self.prefixes[negative] + number + self.suffixes[negative]

    def _group(self, digits: str) -> str:
        size, grouped = self.grouping[0], ""
        while len(digits) > size:
            grouped = self.group_symbol + digits[-size:] + grouped
            digits = digits[:-size]
            size = self.grouping[1]
        return digits + grouped


def format_currency(amount: Decimal, currency: str, *, locale: str) -> str:
    """babel.numbers.format_currency(amount, currency, locale=locale), only faster."""
    compiled = compile_format(locale, currency)
    if compiled is None or not amount.is_finite():
        return babel_numbers.format_currency(amount, currency, locale=locale)
    return compiled.apply(amount)


@lru_cache(maxsize=512)
def compile_format(locale: str, currency: str) -> CompiledFormat | None:
    """The locale's standard currency pattern for this currency; None when Babel must do it."""
    parsed = Locale.parse(locale)
    pattern = parsed.currency_formats["standard"]
    group = babel_numbers.get_group_symbol(parsed)
    decimal = babel_numbers.get_decimal_symbol(parsed)
    affixes = (*pattern.prefix, *pattern.suffix)
    symbol = babel_numbers.get_currency_symbol(currency, parsed)
    filled = [_fill(affix, currency, symbol) for affix in affixes]
    if not _plain(pattern, affixes, "".join(filled) + group + decimal):
        return None
    digits = babel_numbers.get_currency_precision(currency)
    return CompiledFormat(
        prefixes=(filled[0], filled[1]), suffixes=(filled[2], filled[3]), scale=pattern.scale,
        quantum=babel_numbers.get_decimal_quantum(digits), has_fraction=digits > 0,
        min_int_digits=pattern.int_prec[0], grouping=pattern.grouping, group_symbol=group,
        decimal_symbol=decimal)


def _plain(pattern, affixes: tuple[str, ...], output_text: str) -> bool:
    """A pattern whose output is prefix + grouped number + suffix and nothing else."""
    if pattern.exp_prec or "@" in pattern.pattern or pattern.number_pattern == "":
        return False
    # Babel strips quotes from the whole result, and names the currency by plural form.
    return "'" not in output_text and not any("¤¤¤" in affix for affix in affixes)


def _fill(affix: str, currency: str, symbol: str) -> str:
    return affix.replace("¤¤", currency.upper()).replace("¤", symbol)
