"""C3 Discontinued offers: no new subscriptions; extra licenses only on existing ones.

Once Microsoft discontinues an offer nobody can start a new subscription of it.
Customers who already hold a subscription of it may still buy extra licenses for that
subscription, which is what the line's plan (checkout/plan.py) says for a line of a plan
they hold (or a line from the subscription's page). Any other line of a discontinued plan
is refused.
"""

from __future__ import annotations

from checkout.context import CheckoutContext, LineFacts
from checkout.plan import NEW_SUBSCRIPTION
from checkout.problems import Problem

RULE = "C3"


def check(ctx: CheckoutContext) -> list[Problem]:
    """A problem for each discontinued-plan line that would create a new subscription."""
    return [_problem(line) for line, plan in zip(ctx.lines, ctx.plans, strict=True)
            if line.discontinued and plan.action == NEW_SUBSCRIPTION]


def _problem(line: LineFacts) -> Problem:
    message = (f"{line.title} has been discontinued by Microsoft, so no new subscription of it "
               "can be created. Choose a current plan; if the customer already holds an "
               "active subscription of it, buy extra licenses from that subscription's page.")
    return Problem(RULE, f"{RULE}.discontinued_offer", message, "product_id", None, line.index)
