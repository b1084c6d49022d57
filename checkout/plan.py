"""What the order will do with each cart line (C4) and whose order it is (K8): facts that
several rules judge, derived once when the context is built instead of by one rule
calling another.

A plan set to "new subscription per order" (Dynamics: one subscription per instance)
creates a new subscription with every line; a line from a subscription's page carries
that subscription's id (add_to_subscription_id) and adds licenses to it. Any other plan the
customer already holds, active, on the same billing cycle and term, through the same
partner of record, gets extra licenses on that subscription instead of a second one.
One-time purchases (reservations, perpetual software) are always new purchases.

The partner of record is the ordering reseller's MPN ID, put on every order line as
partnerIdOnRecord; direct orders have none.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the context imports this module to fill in its derived facts
    from checkout.context import CheckoutContext, LineFacts, SubscriptionFacts

NEW_SUBSCRIPTION = "new_subscription"
ADD_LICENSES = "add_licenses"


@dataclass(frozen=True)
class LinePlan:
    """What the order does with one cart line; subscription_id is set for add_licenses."""

    line_index: int
    action: str
    subscription_id: str | None = None


def partner_of_record(ctx: CheckoutContext) -> str | None:
    """The MPN ID to put on every order line as partnerIdOnRecord, None for direct orders."""
    if not ctx.is_reseller_order or ctx.reseller is None:
        return None
    return (ctx.reseller.mpn_id or "").strip() or None


def plan_lines(ctx: CheckoutContext) -> tuple[LinePlan, ...]:
    """One plan per cart line, in line order; the context holds the result as ctx.plans."""
    owner = partner_of_record(ctx)
    return tuple(line_plan(ctx, line, owner) for line in ctx.lines)


def line_plan(ctx: CheckoutContext, line: LineFacts, owner: str | None) -> LinePlan:
    """The plan of one line: extra licenses on a held subscription, or a new one."""
    if line.add_to_subscription_id:
        return LinePlan(line.index, ADD_LICENSES, line.add_to_subscription_id)
    held = None if line.new_subscription_per_order else held_subscription(ctx, line, owner)
    if held is None:
        return LinePlan(line.index, NEW_SUBSCRIPTION)
    return LinePlan(line.index, ADD_LICENSES, held.id)


def held_subscription(ctx: CheckoutContext, line: LineFacts,
                      owner: str | None) -> SubscriptionFacts | None:
    """The customer's own active subscription of this plan, cycle and term, if any."""
    if line.billing_cycle == "one_time":
        return None
    matches = [s for s in ctx.existing_subscriptions
               if same_plan(s, line) and s.billing_cycle == line.billing_cycle
               and s.term_duration == line.term_duration and unusable(s, owner) is None]
    return min(matches, key=lambda s: s.id, default=None)


def same_plan(subscription: SubscriptionFacts, line: LineFacts) -> bool:
    """The subscription is of the line's product and SKU."""
    return (subscription.product_id, subscription.sku_id) == (line.product_id, line.sku_id)


def unusable(subscription: SubscriptionFacts, owner: str | None) -> str | None:
    """Why licenses cannot be added to this subscription (a C4 problem slug), or None."""
    if subscription.ended:
        return "subscription_cancelled"
    if subscription.source == "pending_order":
        return "subscription_not_provisioned"
    if subscription.status == "suspended":
        return "subscription_suspended"
    if subscription.reseller_mpn != owner:
        return "subscription_other_partner"
    return None
