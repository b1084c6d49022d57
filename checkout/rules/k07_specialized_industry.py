"""K7 Specialized industries: education, government and nonprofit plans need qualification.

Only a customer qualified for a plan's segment may buy it; an unqualified customer's
checkout stops and tells them they cannot purchase this plan and how the qualification
is obtained. Commercial plans are open to everyone.
"""

from __future__ import annotations

from checkout.context import CheckoutContext, LineFacts
from checkout.problems import Problem

RULE = "K7"

HOW_TO_QUALIFY = {
    "education": "an academic institution qualifies through Microsoft's education "
                 "eligibility verification, requested by us on its behalf",
    "government": "a public-sector body qualifies through Microsoft's government "
                  "validation, requested by us on its behalf",
    "nonprofit": "a nonprofit qualifies by registering with Microsoft Nonprofit Programs "
                 "and being approved as eligible",
}


def check(ctx: CheckoutContext) -> list[Problem]:
    """A problem for each specialized-industry line the customer is not qualified for."""
    return [_problem(ctx, line) for line in ctx.lines
            if needs_qualification(line.segment, ctx.customer.qualifications)]


def needs_qualification(segment: str, qualified: frozenset[str]) -> bool:
    """Whether a plan of this segment needs a qualification the customer lacks; the cart
    asks it of our record alone, checkout of the record and Partner Center's together."""
    return segment != "commercial" and segment not in qualified


def _problem(ctx: CheckoutContext, line: LineFacts) -> Problem:
    segment = line.segment
    message = (f"{ctx.customer.company_name or 'This customer'} cannot purchase {line.title}: it "
               f"is a {segment} plan and the customer is not qualified for {segment}. "
               f"Choose a commercial plan, or get the customer qualified: "
               f"{HOW_TO_QUALIFY[segment]}.")
    return Problem(RULE, f"{RULE}.not_qualified", message, "segment",
                   ctx.urls.qualification, line.index)
