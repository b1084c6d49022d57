"""S2 Quantity: each line's license count must be within the plan's minimum and maximum.

Every SKU has a minimum and maximum quantity; Partner Center refuses an order or a
license change outside them (errors 2002, 900275). S2 is the closest numbered rule (the
number of licenses of a subscription); this module enforces the catalog limits for new
subscriptions and for extra licenses alike. The maximum is per order line: seat caps
pooled across partners (800088) only Partner Center can know.

A price-list row may price only a range of licence counts (its tier, catalog/effective.py);
the cart moves a line to the tier that prices its quantity, so a line still outside its
row's tier is one no tier prices: the price list sells that many at no price.
"""

from __future__ import annotations

from checkout.context import CheckoutContext, LineFacts
from checkout.problems import Problem

RULE = "S2"


def check(ctx: CheckoutContext) -> list[Problem]:
    """A problem for each line whose quantity is below the minimum or above the maximum."""
    problems = []
    for line in ctx.lines:
        if line.quantity < max(line.min_quantity, 1):
            problems.append(_problem(line, "quantity_below_minimum",
                                     f"at least {max(line.min_quantity, 1)}"))
        elif line.max_quantity is not None and line.quantity > line.max_quantity:
            problems.append(_problem(line, "quantity_above_maximum",
                                     f"at most {line.max_quantity}"))
        elif not line.in_tier:
            problems.append(_problem(line, "quantity_outside_price_tier",
                                     f"{line.tier} at this price, or pick another term"))
    return problems


def _problem(line: LineFacts, slug: str, bound: str) -> Problem:
    message = (f"{line.quantity} licenses of {line.title} cannot be ordered: order {bound}. "
               "Change the quantity.")
    return Problem(RULE, f"{RULE}.{slug}", message, "quantity", None, line.index)
