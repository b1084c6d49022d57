"""K12 Reservation scope: an Azure reservation is ordered for a customer that has an Azure
plan, and names its scope (shared or a single Azure subscription) and the Azure
subscription it applies to; Partner Center needs them as the line's provisioning context.

The Azure subscription must be one of the customer's Azure plan as Partner Center reports
it (ctx.azure_subscriptions, from the plan's azureEntitlements), active; when Partner
Center could not be asked, the line is refused as unconfirmed rather than guessed.

The Azure plan the reservation needs is itself bought here, one per customer (Microsoft:
create-azure-plan): a second plan, or a plan for a customer holding the legacy Microsoft
Azure offer (MS-AZR-0145P, which must be transitioned instead), is refused under K12 too.
The plan's own prerequisite, the Microsoft Customer Agreement, is K5's.
"""

from __future__ import annotations

from checkout.context import CheckoutContext, LineFacts
from checkout.problems import Problem
from identifiers import guids

RULE = "K12"
RESERVATION, AZURE_PLAN = "azure_reservation", "azure_plan"
SCOPES = ("shared", "single")
LEGACY_AZURE_OFFER = "MS-AZR-0145P"


def check(ctx: CheckoutContext) -> list[Problem]:
    """Every reservation line's scope and subscription, and every Azure plan line."""
    problems = [p for line in ctx.lines if line.family == RESERVATION
                for p in _reservation(ctx, line)]
    plans = [line for line in ctx.lines if line.family == AZURE_PLAN]
    return problems + [p for line in plans for p in _plan_line(ctx, line, len(plans))]


def holds_azure_plan(ctx: CheckoutContext, *, on_order: bool = True) -> bool:
    """The customer holds an Azure plan (or, with on_order, has one on order)."""
    return any(s.family == AZURE_PLAN and not s.ended
               and (on_order or s.source != "pending_order")
               for s in ctx.existing_subscriptions)


def _reservation(ctx: CheckoutContext, line: LineFacts) -> list[Problem]:
    # A plan still on order has no Azure subscription yet for the reservation to name.
    if not holds_azure_plan(ctx, on_order=False):
        return [_problem(ctx, line, "no_azure_plan", "product_id", _NO_PLAN.format(
            title=line.title))]
    problems = []
    if line.reservation_scope not in SCOPES:
        problems.append(_problem(ctx, line, "missing_scope", "reservation_scope",
                                 _MISSING_SCOPE.format(title=line.title)))
    slug = _subscription_slug(ctx, line.azure_subscription_id)
    if slug:
        problems.append(_problem(ctx, line, slug, "azure_subscription_id",
                                 _SUBSCRIPTION[slug].format(title=line.title)))
    return problems


def _subscription_slug(ctx: CheckoutContext, chosen: str) -> str | None:
    """What is wrong with the chosen Azure subscription, None when it is the plan's."""
    if not chosen:
        return "missing_subscription"
    if not guids.is_valid(chosen):
        return "unknown_subscription"
    if ctx.azure_subscriptions is None:
        return "subscriptions_unconfirmed"
    mine = {guids.compact(s.id) for s in ctx.azure_subscriptions if s.active}
    return None if guids.compact(chosen) in mine else "subscription_not_in_plan"


def _plan_line(ctx: CheckoutContext, line: LineFacts, plan_lines: int) -> list[Problem]:
    if any(s.product_id == LEGACY_AZURE_OFFER and not s.ended
           for s in ctx.existing_subscriptions):
        return [_problem(ctx, line, "legacy_azure_subscription", "product_id",
                         _LEGACY)]
    if holds_azure_plan(ctx):
        return [_problem(ctx, line, "azure_plan_already_held", "product_id", _HELD)]
    if plan_lines > 1 or line.quantity != 1:
        return [_problem(ctx, line, "one_azure_plan", "quantity", _ONE)]
    return []


_NO_PLAN = ("{title} needs the customer's Azure plan: a reservation applies to an Azure "
            "subscription of that plan. Buy the Azure plan first (from the shop), then "
            "order the reservation once the plan is provisioned.")
_MISSING_SCOPE = ("{title}: choose the reservation's scope, shared (every subscription of "
                  "the Azure plan) or single (one Azure subscription), on this cart line.")
_SUBSCRIPTION = {
    "missing_subscription": "{title}: choose the Azure subscription the reservation applies "
                            "to, from the customer's Azure plan, on this cart line.",
    "unknown_subscription": "{title}: the Azure subscription is not a subscription id. "
                            "Choose one of the customer's Azure plan subscriptions.",
    "subscriptions_unconfirmed": "{title}: Partner Center could not list the Azure plan's "
                                 "subscriptions just now, so the choice cannot be confirmed. "
                                 "Try again in a few minutes.",
    "subscription_not_in_plan": "{title}: the chosen Azure subscription is not an active "
                                "subscription of this customer's Azure plan. Choose one "
                                "listed on this cart line.",
}
_LEGACY = ("The customer holds a Microsoft Azure (MS-AZR-0145P) subscription, so Microsoft "
           "does not create an Azure plan for it: remove this line and ask the provider to "
           "transition the customer to the Azure plan instead.")
_HELD = ("The customer already has an Azure plan (one per customer): remove this line; new "
         "Azure subscriptions are created under the existing plan.")
_ONE = "An Azure plan is bought once, quantity 1: keep one Azure plan line with quantity 1."


def _problem(ctx: CheckoutContext, line: LineFacts, slug: str, field: str,
             message: str) -> Problem:
    anchor = "reservation" if field in ("reservation_scope", "azure_subscription_id") \
        else "billing"
    return Problem(RULE, f"{RULE}.{slug}", message, field,
                   f"{ctx.urls.billing_choice}#line-{line.index}-{anchor}", line.index)
