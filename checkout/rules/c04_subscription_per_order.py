"""C4 Subscription per order: whether each cart line creates or extends a subscription.

A plan set to "new subscription per order" (Dynamics: one subscription per instance:
production, staging, test) creates a new subscription with every order line; extra
licenses for an existing instance are bought from that subscription's page, which puts
the subscription's id on the line (add_to_subscription_id). Any other plan the customer
already holds, active, on the same billing cycle and term, through the same partner of
record, gets extra licenses on that subscription instead of a second subscription. One-
time purchases (reservations, perpetual software) are always new purchases.

Refused: extra licenses for a subscription that does not exist, is of another plan, has
ended, is suspended, is not provisioned yet, or was sold by another partner.
"""

from __future__ import annotations

from dataclasses import dataclass

from checkout.context import CheckoutContext, LineFacts, SubscriptionFacts
from checkout.problems import Problem
from checkout.rules.k08_partner_of_record import partner_of_record

RULE = "C4"
NEW_SUBSCRIPTION = "new_subscription"
ADD_LICENSES = "add_licenses"


@dataclass(frozen=True)
class LinePlan:
    """What the order does with one cart line; subscription_id is set for add_licenses."""

    line_index: int
    action: str
    subscription_id: str | None = None


def plan_lines(ctx: CheckoutContext) -> tuple[LinePlan, ...]:
    """One plan per cart line, in line order: the order service follows these."""
    return tuple(_plan(ctx, line) for line in ctx.lines)


def _plan(ctx: CheckoutContext, line: LineFacts) -> LinePlan:
    if line.add_to_subscription_id:
        return LinePlan(line.index, ADD_LICENSES, line.add_to_subscription_id)
    held = None if line.new_subscription_per_order else held_subscription(ctx, line)
    if held is None:
        return LinePlan(line.index, NEW_SUBSCRIPTION)
    return LinePlan(line.index, ADD_LICENSES, held.id)


def held_subscription(ctx: CheckoutContext, line: LineFacts) -> SubscriptionFacts | None:
    """The customer's own active subscription of this plan, cycle and term, if any."""
    if line.billing_cycle == "one_time":
        return None
    owner = partner_of_record(ctx)
    matches = [s for s in ctx.existing_subscriptions
               if _same_plan(s, line) and s.billing_cycle == line.billing_cycle
               and s.term_duration == line.term_duration and _usable(s, owner) is None]
    return min(matches, key=lambda s: s.id, default=None)


def check(ctx: CheckoutContext) -> list[Problem]:
    """A problem for each line adding licenses to a subscription that cannot take them."""
    owner = partner_of_record(ctx)
    return [problem for line in ctx.lines if line.add_to_subscription_id
            for problem in _target_problems(ctx, line, owner)]


def _target_problems(ctx: CheckoutContext, line: LineFacts, owner: str | None) -> list[Problem]:
    target = ctx.subscription(line.add_to_subscription_id or "")
    if target is None:
        slug = "subscription_not_found"
    elif not _same_plan(target, line):
        slug = "subscription_other_product"
    else:
        slug = _usable(target, owner)
    return [] if slug is None else [_problem(ctx, line, slug)]


def _same_plan(subscription: SubscriptionFacts, line: LineFacts) -> bool:
    return (subscription.product_id, subscription.sku_id) == (line.product_id, line.sku_id)


def _usable(subscription: SubscriptionFacts, owner: str | None) -> str | None:
    """Why licenses cannot be added to this subscription (a problem slug), or None."""
    if subscription.ended:
        return "subscription_cancelled"
    if subscription.source == "pending_order":
        return "subscription_not_provisioned"
    if subscription.status == "suspended":
        return "subscription_suspended"
    if subscription.reseller_mpn != owner:
        return "subscription_other_partner"
    return None


# Rules-level ids (local:5, Partner Center GUIDs) stay out of the words; the fix link
# opens the subscription the line names.
_MESSAGES = {
    "subscription_not_found": "the chosen subscription does not exist for this customer",
    "subscription_other_product": "the chosen subscription is of another plan",
    "subscription_cancelled": "the chosen subscription has been cancelled or has expired",
    "subscription_not_provisioned": "the chosen subscription is still being provisioned",
    "subscription_suspended": "the chosen subscription is suspended",
    "subscription_other_partner": "the chosen subscription was sold by another partner",
}


def _problem(ctx: CheckoutContext, line: LineFacts, slug: str) -> Problem:
    sid = line.add_to_subscription_id or ""
    message = (f"Extra licenses of {line.title} cannot be added: {_MESSAGES[slug]}. Remove "
               "this line, or buy the licenses from the page of an active subscription of this "
               "plan.")
    return Problem(RULE, f"{RULE}.{slug}", message, "add_to_subscription_id",
                   ctx.urls.subscription_url(sid) if slug != "subscription_not_found" else None,
                   line.index)
