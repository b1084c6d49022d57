"""K6 Office 365 Business plans: one monthly and one annual subscription per customer.

Microsoft allows a customer (a tenant, whoever the partner) at most two subscriptions of
an Office 365 / Microsoft 365 Business plan: one billed monthly and one billed annually.
We count every subscription of the plan that has not ended (suspended ones included)
from Partner Center and our own records, orders placed but not provisioned yet, and the
earlier lines of this same cart.

Decisions:
- Only lines that would CREATE a subscription are judged. A Business plan the customer
  already holds, active, on the same cycle, becomes extra licenses on it (C4), which
  Microsoft allows. A new subscription still arises when that subscription is suspended,
  not provisioned yet, on another term, sold by another partner, or the plan is set to
  "new subscription per order"; then a second one on the same cycle is refused, as is a
  third on any cycle.
- The limit is per plan (product), as Microsoft's limit is per offer: a customer may hold
  Business Basic and Business Premium monthly side by side.
- Two checkouts racing are stopped by the service, which runs this rule again inside the
  transaction that inserts the order, after locking the customer row.
"""

from __future__ import annotations

from dataclasses import dataclass

from checkout.context import CheckoutContext, LineFacts
from checkout.plan import NEW_SUBSCRIPTION
from checkout.problems import Problem

RULE = "K6"
BUSINESS = "office365_business"
LIMIT = "Microsoft allows one monthly and one annual subscription of a Business plan per customer"


@dataclass(frozen=True)
class _Held:
    """One place taken under the limit, and what took it (for the message)."""

    product_id: str
    billing_cycle: str
    kind: str  # "subscription", "suspended", "pending", "other_partner" or "cart"
    ref: str  # subscription or order id; the 1-based line number for "cart"


def check(ctx: CheckoutContext) -> list[Problem]:
    """A problem for each Business line that would exceed the limit by creating a subscription."""
    held = _held_subscriptions(ctx)
    problems: list[Problem] = []
    for line, plan in zip(ctx.lines, ctx.plans, strict=True):
        if line.family != BUSINESS or plan.action != NEW_SUBSCRIPTION:
            continue
        problem = _judge(ctx, line, [h for h in held if h.product_id == line.product_id])
        if problem is None:
            held.append(_Held(line.product_id, line.billing_cycle, "cart", str(line.index + 1)))
        else:
            problems.append(problem)
    return problems


def _held_subscriptions(ctx: CheckoutContext) -> list[_Held]:
    owner = ctx.partner_of_record
    held = []
    for sub in ctx.existing_subscriptions:
        if sub.family != BUSINESS or sub.ended:
            continue
        kind = ("pending" if sub.source == "pending_order" else
                "suspended" if sub.status == "suspended" else
                "other_partner" if sub.reseller_mpn != owner else "subscription")
        held.append(_Held(sub.product_id, sub.billing_cycle, kind, sub.id))
    return held


def _judge(ctx: CheckoutContext, line: LineFacts, same_plan: list[_Held]) -> Problem | None:
    clash = next((h for h in same_plan if h.billing_cycle == line.billing_cycle), None)
    if clash is not None:
        return _problem(ctx, line, "second_subscription_same_cycle",
                        f"{line.title} cannot be ordered with {line.billing_cycle} billing: "
                        f"{_describe(line, clash)} {LIMIT}. {_advice(clash)}",
                        _fix_url(ctx, clash))
    if len(same_plan) >= 2:
        cycles = " and ".join(sorted(h.billing_cycle for h in same_plan))
        return _problem(ctx, line, "third_subscription",
                        f"{line.title} cannot be ordered: the customer already has {cycles} "
                        f"subscriptions of it. {LIMIT}. Add licenses to one of them instead.",
                        None)
    return None


def _describe(line: LineFacts, held: _Held) -> str:
    """What is held, in the buyer's words: internal references (order:12:0, Partner
    Center's subscription GUIDs) stay out of the message; the fix link opens the
    subscription where there is one."""
    cycle = line.billing_cycle
    return {
        "cart": f"line {held.ref} of this cart already orders it {cycle}.",
        "pending": f"an earlier {cycle} order of it is still being provisioned.",
        "suspended": f"the customer's {cycle} subscription of it is suspended.",
        "other_partner": f"the customer holds a {cycle} subscription of it through "
                         "another partner.",
        "subscription": f"the customer already has a {cycle} subscription of it.",
    }[held.kind]


def _advice(held: _Held) -> str:
    return {
        "cart": "Put all the licenses on one line.",
        "pending": "Wait until it is active, then add licenses from its page.",
        "suspended": "Reactivate that subscription and add licenses to it.",
        "other_partner": "Choose the other billing cycle, or ask that partner to add licenses.",
        "subscription": "Add licenses to that subscription instead.",
    }[held.kind]


def _fix_url(ctx: CheckoutContext, held: _Held) -> str | None:
    return ctx.urls.subscription_url(held.ref) if held.kind in {"subscription", "suspended"} \
        else None


def _problem(ctx: CheckoutContext, line: LineFacts, slug: str, message: str,
             fix_url: str | None) -> Problem:
    return Problem(RULE, f"{RULE}.{slug}", message, "billing_cycle", fix_url, line.index)
