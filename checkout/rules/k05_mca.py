"""K5 Microsoft Customer Agreement: the current MCA must be accepted before ordering.

A direct customer accepts the current version itself. A lite reseller confirms that its
customer has accepted the current version before ordering on its behalf; the customer's
own acceptance is not enough, because the reseller attests it to Partner Center. An
acceptance or confirmation of an older version does not count: the new version must be
accepted (or confirmed) again. The log of acceptances is kept by the service, not here.
"""

from __future__ import annotations

from checkout.context import CheckoutContext
from checkout.problems import Problem

RULE = "K5"


def check(ctx: CheckoutContext) -> list[Problem]:
    """A problem unless the current MCA version is accepted (direct) or confirmed (reseller)."""
    mca = ctx.mca
    if ctx.is_reseller_order and not mca.confirmed_by_reseller:
        return [_problem(ctx, "mca_not_confirmed",
                         "You have not confirmed that this customer accepted the Microsoft "
                         "Customer Agreement. Confirm their acceptance in the cart's "
                         "Microsoft Customer Agreement section.")]
    if not ctx.is_reseller_order and mca.accepted_version is None:
        return [_problem(ctx, "mca_not_accepted",
                         "The Microsoft Customer Agreement has not been accepted. Read and "
                         "accept it in the cart's Microsoft Customer Agreement section, then "
                         "place the order.")]
    if mca.accepted_version != mca.required_version:
        who = "confirm the customer's acceptance of" if ctx.is_reseller_order else "accept"
        return [_problem(ctx, "mca_outdated",
                         f"The Microsoft Customer Agreement changed (version "
                         f"{mca.required_version}; accepted: {mca.accepted_version or 'none'}). "
                         f"Please {who} the current version in the cart's Microsoft Customer "
                         "Agreement section.")]
    return []


def _problem(ctx: CheckoutContext, slug: str, message: str) -> Problem:
    return Problem(RULE, f"{RULE}.{slug}", message, "mca", ctx.urls.mca)
