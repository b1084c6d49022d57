"""C1 Annual billing: the annual billing cycle is sold only when the provider allows it.

Both of the provider's switches must be on: the annual billing cycle in the billing
settings AND annual provisioning in the Microsoft Cloud Services (Partner Center)
settings. Annual products are the same plans with the annual cycle, so a line asking for
annual billing while either switch is off is refused; monthly billing stays open.
"""

from __future__ import annotations

from checkout.context import CheckoutContext, LineFacts
from checkout.problems import Problem

RULE = "C1"


def check(ctx: CheckoutContext) -> list[Problem]:
    """A problem for each annual-billing line while either provider switch is off."""
    off = _switches_off(ctx)
    if not off:
        return []
    return [_problem(ctx, line, off) for line in ctx.lines if line.billing_cycle == "annual"]


def _switches_off(ctx: CheckoutContext) -> list[str]:
    settings = ctx.settings
    off = []
    if not settings.annual_billing_cycle_enabled:
        off.append("the annual billing cycle (billing settings)")
    if not settings.annual_provisioning_enabled:
        off.append("annual provisioning (Microsoft Cloud Services settings)")
    return off


def _problem(ctx: CheckoutContext, line: LineFacts, off: list[str]) -> Problem:
    message = (f"Annual billing is not available for {line.title}: the provider has not "
               f"switched on {' and '.join(off)}. Choose monthly billing, or ask the provider "
               "to switch annual billing on.")
    return Problem(RULE, f"{RULE}.annual_billing_disabled", message, "billing_cycle",
                   ctx.urls.line_billing(line.index), line.index)
