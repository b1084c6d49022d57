"""B1: an order is placed at the prices its buyer was shown, or not at all.

The review page (the cart) carries a quote: each line's price and the unit price the viewer
was shown, and the totals per billing cycle. Placing compares it, under the customer's lock,
with the prices the order would record now. When a price-list import, an admin's price edit
or a reseller markup changed a price in between, the order is refused: B1.price_changed on
each changed line (the old and the new unit price) and B1.total_changed (the new total),
the cart kept as it is. The refreshed page carries the new quote, so Place order again
buys at the new price. A request without a quote (an API client that sends no expected
prices) is placed at the current prices, as before.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from catalog.pricing import buyer_locale, format_money
from checkout.plan import LinePlan
from checkout.problems import PriceChange
from orders import line_units, retail
from orders.models import Cart
from persistence.money import charge_amount

ALL = "all"  # the order's total, every billing cycle together (the API's `total`)
CHANGED = "B1.price_changed"
TOTAL_CHANGED = "B1.total_changed"


@dataclass(frozen=True)
class Quote:
    """What the buyer was shown: (price id, unit price or None when not stated) per line,
    and totals by billing cycle (or ALL)."""

    lines: tuple[tuple[int, Decimal | None], ...] | None
    totals: Mapping[str, Decimal] = field(default_factory=dict)


def shown_lines(cart: Cart, markups: Mapping, retail_view: bool,
                plans: Sequence[LinePlan]) -> list[line_units.LineUnit]:
    """Each line's unit price as its viewer is shown it, and why it is not today's: retail
    for a reseller's end customer (B1; C4 does not change it, so no note), else the buyer's
    price (cost + markup, or retail), or the held subscription's term price for a line that
    adds licences to it (C4, with its note)."""
    return retail_lines(cart) if retail_view else line_units.priced(cart, plans, markups)


def retail_lines(cart: Cart) -> list[line_units.LineUnit]:
    """Each line at the retail price a reseller's end customer is invoiced (B1)."""
    return [line_units.LineUnit(retail.unit(line.price), None) for line in cart.lines]


def quote_of(cart: Cart, units: Sequence[Decimal]) -> Quote:
    """The quote a review page shows: every line's unit price and the per-cycle totals."""
    totals = {k: v for k, v in _totals(cart, units).items() if k != ALL}  # as the page sums
    return Quote(tuple((line.price.id, unit) for line, unit in zip(cart.lines, units,
                                                                     strict=True)), totals)


def _totals(cart: Cart, units: Sequence[Decimal]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for line, unit in zip(cart.lines, units, strict=True):
        amount = charge_amount(unit, line.quantity, line.price.currency)
        totals[line.price.billing_cycle] = totals.get(line.price.billing_cycle, 0) + amount
        totals[ALL] = totals.get(ALL, 0) + amount
    return totals


def encode(quote: Quote) -> str:
    """The quote as the review page's hidden field carries it."""
    return json.dumps({"lines": [[pid, str(unit)] for pid, unit in quote.lines or ()],
                       "totals": {k: str(v) for k, v in quote.totals.items()}},
                      separators=(",", ":"))


def decode(text: str) -> Quote:
    """The quote a page sent back; a garbled one states no price, so every price is news."""
    try:
        data = json.loads(text)
        return Quote(tuple((int(pid), Decimal(unit)) for pid, unit in data["lines"]),
                     {str(k): Decimal(v) for k, v in data["totals"].items()})
    except (ValueError, TypeError, KeyError, InvalidOperation):
        return Quote((), {})


def check(quote: Quote | None, cart: Cart, user, priced: Sequence[line_units.LineUnit],
          fix_url: str) -> list[PriceChange]:
    """B1, under the lock: the lines whose price differs from what the buyer was shown,
    at the prices the order records (`priced`: line_units.priced with the order's markups
    and C4's plans) as this user sees them (retail for a reseller's end customer)."""
    if quote is None or not cart.lines:
        return []
    customer = cart.customer
    seen = retail_lines(cart) if retail.sees_retail(user, customer.reseller_id) else priced
    units = [line.unit for line in seen]
    return changes(quote, cart, units, buyer_locale(customer.language, customer.country),
                   fix_url)


def changes(quote: Quote, cart: Cart, units: Sequence[Decimal], locale: str,
            fix_url: str) -> list[PriceChange]:
    """B1: every line whose price differs from the quote, then each changed total."""
    currency = cart.lines[0].price.currency
    money = lambda amount: format_money(amount, currency, locale)  # noqa: E731
    lines = [_line_change(i, line, quote, unit, money, fix_url)
             for i, (line, unit) in enumerate(zip(cart.lines, units, strict=True))]
    lines = [change for change in lines if change is not None]
    now = _totals(cart, units)
    keys = [k for k in now if k in quote.totals and now[k] != quote.totals[k]]
    if lines and not keys:  # the totals were not stated (or came out equal): show the new one
        keys = [ALL]
    return lines + [_total_change(k, quote.totals.get(k), now[k], currency, money, fix_url)
                    for k in keys]


def _line_change(index, line, quote, unit, money, fix_url) -> PriceChange | None:
    stated = quote.lines[index] if quote.lines is not None and index < len(quote.lines) else None
    if quote.lines is None or (stated is not None and stated[0] == line.price.id
                               and stated[1] in (None, unit)):
        return None
    previous = stated[1] if stated is not None and stated[0] == line.price.id else None
    title = line.price.sku.title
    said = (f"changed from {money(previous)} to {money(unit)}" if previous is not None
            else f"is now {money(unit)}")
    return PriceChange("B1", CHANGED, f"{title}: the unit price {said} since you reviewed "
                       "the order. Nothing was ordered; check the new price and place the "
                       "order again.", "lines", f"{fix_url}#line-{index}", index,
                       line.price.currency, _text(previous), str(unit))


def _total_change(key, previous, current, currency, money, fix_url) -> PriceChange:
    which = "The order's total" if key == ALL else f"The {key} total"
    was = f" (it was {money(previous)})" if previous is not None else ""
    return PriceChange("B1", TOTAL_CHANGED, f"{which} is now {money(current)}{was}.",
                       "lines", fix_url, None, currency, _text(previous), str(current))


def _text(amount: Decimal | None) -> str | None:
    return None if amount is None else str(amount)
