"""C3 Discontinued offers: no new subscriptions; extra licenses only on existing ones.

Once Microsoft discontinues an offer nobody can start a new subscription of it.
Customers who already hold a subscription of it may still buy extra licenses for that
subscription, which is what the line's plan (checkout/plan.py) says for a line of a plan
they hold (or a line from the subscription's page). Any other line of a discontinued plan
is refused.

So is a new subscription at a price Microsoft's price list no longer sells: a row past its
EffectiveEndDate with no newer row of its offer, or a row no longer listed. (Extra licenses
are priced at their subscription's term price, so they still go through.)
"""

from __future__ import annotations

from checkout.context import CheckoutContext, LineFacts
from checkout.plan import NEW_SUBSCRIPTION
from checkout.problems import Problem

RULE = "C3"


def check(ctx: CheckoutContext) -> list[Problem]:
    """A problem for each discontinued-plan line, and each line at a price no longer
    sold, that would create a new subscription."""
    new = [line for line, plan in zip(ctx.lines, ctx.plans, strict=True)
           if plan.action == NEW_SUBSCRIPTION]
    return ([_problem(line) for line in new if line.discontinued]
            + [_price_ended(line) for line in new if not line.discontinued
               and not line.price_sells])


def _problem(line: LineFacts) -> Problem:
    message = (f"{line.title} has been discontinued by Microsoft, so no new subscription of it "
               "can be created. Choose a current plan; if the customer already holds an "
               "active subscription of it, buy extra licenses from that subscription's page.")
    return Problem(RULE, f"{RULE}.discontinued_offer", message, "product_id", None, line.index)


def _price_ended(line: LineFacts) -> Problem:
    message = (f"{line.title} is no longer sold at this price: its row of Microsoft's price "
               "list has ended and no newer one sells today. Remove the line and add the "
               "plan again from the shop, which shows what is sold today.")
    return Problem(RULE, f"{RULE}.price_not_sold", message, "product_id", None, line.index)
