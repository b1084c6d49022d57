"""K11 Tenant ownership: an existing tenant is the buyer's only once control is shown.

A reseller's end customer is linked to an existing Microsoft tenant when Partner Center
lists that reseller among the tenant's indirect resellers: the tenant's admin accepted
the reseller's relationship invitation. A direct customer shows control by signing in
with a work account of the tenant (the token's tenant id must match), or the provider's
admin approves the link after its own check. A tenant the storefront itself created is
the customer's by construction.

Until then checkout says one neutral thing, with the link that proves control, and
nothing about the tenant: no holdings, qualifications, profile or relationship state
(those facts are not even read), and no order goes to it.
"""

from __future__ import annotations

from checkout.context import CheckoutContext
from checkout.problems import Problem

RULE = "K11"


def check(ctx: CheckoutContext) -> list[Problem]:
    """One problem while an existing tenant's control is not shown; none otherwise."""
    customer = ctx.customer
    if customer.tenant_mode != "existing" or customer.tenant_verified:
        return []
    if not (customer.tenant_id or customer.tenant_domain):
        return []  # no tenant named yet: K4 asks for one
    return [_unverified(ctx)]


def _unverified(ctx: CheckoutContext) -> Problem:
    if ctx.is_reseller_order:
        how = ("Send the customer's global admin your relationship invitation (the link "
               "leads to it) and ask them to accept it; the order can be placed once "
               "Microsoft lists you as the tenant's reseller.")
    else:
        how = ("Sign in with a work account of that tenant to confirm it is yours (the link "
               "leads there), or ask us to confirm it.")
    message = ("We have not yet confirmed that this customer controls the Microsoft tenant "
               f"entered on its details. {how}")
    return Problem(RULE, f"{RULE}.tenant_unverified", message, "tenant_id",
                   ctx.urls.tenant_proof or None)
