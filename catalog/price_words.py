"""How a price reads to a person: its unit, billing frequency, term and tax status.

Policy, in one place for every page that shows a price or a term:
- A price-list price is per license per billing period: a 1-year plan billed monthly is
  priced per month, billed annually per year, and a one-time purchase once.
- Terms are written in words ("1 year", "3 years"); Partner Center's ISO 8601 durations
  (P1M, P1Y, P3Y) are never shown to a person.
- Every price says whether tax is in it (C6): AU and BR price lists include tax, every
  other market's exclude it (catalog/pricing.py knows which).
An unknown term or cycle is written as plainly as possible rather than refused: a page must
never fail on a value Microsoft adds tomorrow.
"""

from __future__ import annotations

import re
from decimal import Decimal

from babel.numbers import format_decimal

from catalog.pricing import tax_label

# Any other ISO 8601 duration of whole months, years, weeks or days (P5Y, P18M).
ISO_TERM = re.compile(r"P(\d{1,3})([YMWD])")
UNITS = {"Y": "year", "M": "month", "W": "week", "D": "day"}
TERM_WORDS = {"P1M": "1 month", "P1Y": "1 year", "P3Y": "3 years"}
# The same terms as a noun's modifier: "a 1-year term".
TERM_PHRASES = {"P1M": "1-month term", "P1Y": "1-year term", "P3Y": "3-year term",
                "": "perpetual"}
FREQUENCY_WORDS = {"monthly": "billed monthly", "annual": "billed annually",
                   "triennial": "billed every 3 years", "one_time": "one-time"}
UNIT_WORDS = {"monthly": "per license per month", "annual": "per license per year",
              "triennial": "per license per 3 years", "one_time": "per license, one-time"}
PERIOD_WORDS = {"monthly": "per month", "annual": "per year", "triennial": "per 3 years",
                "one_time": "one-time"}
CHARGED_WORDS = {"monthly": "charged every month", "annual": "charged once a year",
                 "triennial": "charged every 3 years", "one_time": "charged once"}


def _plain(code: str | None) -> str:
    return (code or "").replace("_", " ")


def term_words(duration: str | None) -> str:
    """"P1Y" → "1 year"; no term (a perpetual licence) → "no term"."""
    if not duration:
        return "no term"
    code = duration.upper()
    if code in TERM_WORDS:
        return TERM_WORDS[code]
    if found := ISO_TERM.fullmatch(code):
        count, unit = int(found[1]), UNITS[found[2]]
        return f"{count} {unit}{'s' if count != 1 else ''}"
    return _plain(duration)


def term_phrase(duration: str | None) -> str:
    """"P1Y" → "1-year term"; no term → "perpetual"."""
    code = (duration or "").upper()
    if code in TERM_PHRASES:
        return TERM_PHRASES[code]
    if found := ISO_TERM.fullmatch(code):
        return f"{int(found[1])}-{UNITS[found[2]]} term"
    return f"{term_words(duration)} term"


def frequency_words(cycle: str | None) -> str:
    """"annual" → "billed annually"."""
    return FREQUENCY_WORDS.get(cycle or "", f"billed {_plain(cycle)}".strip())


def unit_words(cycle: str | None) -> str:
    """What one price buys: "annual" → "per license per year"."""
    return UNIT_WORDS.get(cycle or "", f"per license per {_plain(cycle)}".strip())


def period_words(cycle: str | None) -> str:
    """A total for one billing period: "monthly" → "per month"."""
    return PERIOD_WORDS.get(cycle or "", f"per {_plain(cycle)}".strip())


def charged_words(cycle: str | None) -> str:
    """How often a total is charged: "annual" → "charged once a year"."""
    return CHARGED_WORDS.get(cycle or "", f"charged {_plain(cycle)}".strip())


def counted(count: int, one: str, many: str | None = None) -> str:
    """A count with its noun agreeing: "1 license", "5 licenses", "0 orders"."""
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


def percent_figure(percent) -> str:
    """A percentage with every decimal it has and no more: 12 → "12", 12.5000 → "12.5",
    12.345 → "12.345". A markup (B1) is applied to four decimals, so rounding it for the
    page would show a markup other than the one charged; a form field holding it reads
    back the same number."""
    value = Decimal(percent).normalize()
    return f"{value if value else Decimal(0):f}"  # no "-0", no "1E+2"


def percent_words(percent, locale: str = "en_US") -> str:
    """A percentage as the pages write it, every decimal kept (percent_figure) and written
    as the reader writes numbers: "12.345 %" in en_US, "12,345 %" in de_DE, as the money
    beside it is (a German invoice read "7.7 % VAT" under "1.234,50 €")."""
    value = Decimal(percent_figure(percent))
    return f"{format_decimal(value, locale=locale, decimal_quantization=False)} %"


def share_words(percent, locale: str = "en_US") -> str:
    """A margin's share of retail (catalog.margins, to one place) as the reader writes
    numbers: "12.0 %", "12,0 %" beside "1,50 €"."""
    return f"{format_decimal(percent, format='#,##0.0', locale=locale)} %"


def tax_words(market: str | None) -> str:
    """"excl. tax", or "incl. tax" in the tax-inclusive markets (C6)."""
    return tax_label(market or "")


# An Azure plan is ordered once (one_time, no term) and costs nothing itself; what it is
# billed for is the Azure usage of its subscriptions, each month in arrears (K12).
AZURE_PLAN_WORDS = "no term · Azure usage billed monthly"
# Its price, where a price would stand, and what is billed instead.
AZURE_PLAN_PRICE = "No charge for the plan"
AZURE_PLAN_USAGE = "its Azure usage is billed monthly, in arrears"


def free_azure_plan(family: str | None, amount) -> bool:
    """An Azure plan at no price (every one Microsoft sells): its price reads as
    AZURE_PLAN_PRICE; one with a price would read as any other."""
    return family == "azure_plan" and not amount


def plan_words(term_duration: str | None, billing_cycle: str | None,
               family: str | None = None) -> str:
    """A plan's term and billing: "1-year term · billed monthly" (an Azure plan's in words
    of its own: "perpetual · one-time" would say it is bought once for good)."""
    if family == "azure_plan":
        return AZURE_PLAN_WORDS
    return f"{term_phrase(term_duration)} · {frequency_words(billing_cycle)}"


def price_words(billing_cycle: str | None, market: str | None) -> str:
    """What follows an amount: "per license per month · excl. tax"."""
    return f"{unit_words(billing_cycle)} · {tax_words(market)}"
