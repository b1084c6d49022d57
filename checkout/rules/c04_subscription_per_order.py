"""C4 Subscription per order: whether each cart line creates or extends a subscription.

Each line's plan is derived once with the context (checkout/plan.py, ctx.plans); this
rule judges the lines that name a subscription to extend.

A plan set to "new subscription per order" (Dynamics: one subscription per instance:
production, staging, test) creates a new subscription with every order line; extra
licenses for an existing instance are bought from that subscription's page, which puts
the subscription's id on the line (add_to_subscription_id). Any other plan the customer
already holds, active, on the same billing cycle and term, through the same partner of
record, gets extra licenses on that subscription instead of a second subscription. One-
time purchases (reservations, perpetual software) are always new purchases.

Extra licenses join the subscription on its own term and billing: Partner Center adds
them to it whatever the line says, and billing prorates them at its price, so a line
promising another term or billing would misstate what is invoiced (B5).

Refused: extra licenses for a subscription that does not exist, is of another plan, has
ended, is suspended, is not provisioned yet, or was sold by another partner, and a line
whose term or billing is not the subscription's.
"""

from __future__ import annotations

from checkout.context import CheckoutContext, LineFacts, SubscriptionFacts
from checkout.plan import same_plan, unusable
from checkout.problems import Problem

RULE = "C4"


def check(ctx: CheckoutContext) -> list[Problem]:
    """A problem for each line adding licenses to a subscription that cannot take them."""
    owner = ctx.partner_of_record
    return [problem for line in ctx.lines if line.add_to_subscription_id
            for problem in _target_problems(ctx, line, owner)]


def _target_problems(ctx: CheckoutContext, line: LineFacts, owner: str | None) -> list[Problem]:
    target = ctx.subscription(line.add_to_subscription_id or "")
    if target is None:
        slug = "subscription_not_found"
    elif not same_plan(target, line):
        slug = "subscription_other_product"
    else:
        slug = unusable(target, owner) or _other_terms(target, line)
    return [] if slug is None else [_problem(ctx, line, slug)]


def _other_terms(target: SubscriptionFacts, line: LineFacts) -> str | None:
    """The slug when the line's term or billing is not the subscription's, else None."""
    if (target.term_duration, target.billing_cycle) == (line.term_duration, line.billing_cycle):
        return None
    return "subscription_other_terms"


# Rules-level ids (local:5, Partner Center GUIDs) stay out of the words; the fix link
# opens the subscription the line names.
_MESSAGES = {
    "subscription_not_found": "the chosen subscription does not exist for this customer",
    "subscription_other_product": "the chosen subscription is of another plan",
    "subscription_cancelled": "the chosen subscription has been cancelled or has expired",
    "subscription_not_provisioned": "the chosen subscription is still being provisioned",
    "subscription_suspended": "the chosen subscription is suspended",
    "subscription_other_partner": "the chosen subscription was sold by another partner",
    "subscription_other_terms": "they join the chosen subscription on its own term and "
    "billing, and this line is priced on another",
}


def _problem(ctx: CheckoutContext, line: LineFacts, slug: str) -> Problem:
    sid = line.add_to_subscription_id or ""
    message = (f"Extra licenses of {line.title} cannot be added: {_MESSAGES[slug]}. Remove "
               "this line, or buy the licenses from the page of an active subscription of this "
               "plan.")
    return Problem(RULE, f"{RULE}.{slug}", message, "add_to_subscription_id",
                   ctx.urls.subscription_url(sid) if slug != "subscription_not_found" else None,
                   line.index)
