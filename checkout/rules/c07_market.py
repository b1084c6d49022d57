"""C7 Market: a customer buys only at the prices of its own market.

Partner Center sells per market: a customer's market is that of its country, in that
market's currency, whether or not the provider has imported that market's prices (a
customer of a market without them buys nothing: catalog.queries.buyer_market). A cart
line holding a price row of another market is refused, whatever path put it there
(the shop, a hand-made form post, the API, extra licenses), so no order is priced or
totalled in a foreign market or currency.
"""

from __future__ import annotations

from checkout.context import CheckoutContext, LineFacts
from checkout.problems import Problem

RULE = "C7"


def check(ctx: CheckoutContext) -> list[Problem]:
    """A problem for each line priced for another market than the customer's."""
    if not ctx.buyer_market:
        return []
    return [_problem(ctx, line) for line in ctx.lines
            if line.market and line.market != ctx.buyer_market]


def _problem(ctx: CheckoutContext, line: LineFacts) -> Problem:
    message = (f"{line.title} is priced for the {line.market} market, but this customer "
               f"buys at the prices of the {ctx.buyer_market} market. Remove the line and "
               "add the plan again from the shop.")
    return Problem(RULE, f"{RULE}.other_market", message, "price_id",
                   ctx.urls.line_billing(line.index) if ctx.urls.billing_choice else None,
                   line.index)
