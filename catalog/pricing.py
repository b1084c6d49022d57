"""How prices are shown and what each buyer pays (C6 tax display, reseller markups)."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.numbers import format_currency

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
    return _formatted(str(Decimal(amount)), currency, locale)


# Babel re-reads the locale's pattern and symbols on every call, and a page of offers
# repeats a few dozen prices; keyed by the exact text, so -0 and 12.5 vs 12.50 stay apart.
@lru_cache(maxsize=4096)
def _formatted(amount: str, currency: str, locale: str) -> str:
    return format_currency(Decimal(amount), currency, locale=locale)


def reseller_price(cost: Decimal, markup_percent: Decimal | None,
                   currency: str) -> Decimal | None:
    """A reseller's unit price: the provider's cost plus the reseller's markup, rounded by
    the one rule (B5) to the currency's minor unit, so billing charges what the shop showed."""
    if markup_percent is None:
        return None
    factor = Decimal(1) + Decimal(markup_percent) / Decimal(100)
    return round_money(Decimal(cost) * factor, currency)
