"""K9 Reseller standing: a lite reseller orders only with a valid MPN ID and a verified MPA.

Microsoft must recognise the reseller's MPN ID, confirm that the reseller has signed
the Microsoft Partner Agreement, and list it (by its tenant) among the provider's
indirect resellers: customers are created for it under that tenant. "Not checked" or
"could not check" is not "yes": the order is refused until all are confirmed.

A direct customer is its own buyer, with no reseller to judge: its standing is the
provider's, which deactivates one it will no longer sell to (fraud, unpaid invoices) as it
deactivates a reseller. Either's orders are refused until the provider reactivates it
(whoever places them: the provider's admin too); nothing the buyer edits lifts that.
"""

from __future__ import annotations

from checkout.context import CheckoutContext
from checkout.problems import Problem

RULE = "K9"
# The provider deactivated the buyer: a direct customer, or the reseller ordering for its
# customer (provisioning/standing.py stops such an order still queued).
CUSTOMER_INACTIVE = f"{RULE}.customer_inactive"
RESELLER_INACTIVE = f"{RULE}.reseller_inactive"


def check(ctx: CheckoutContext) -> list[Problem]:
    """The reseller's standing problems: unknown reseller, deactivated by the provider, MPN
    not valid, MPA not verified; a direct customer's: deactivated by the provider."""
    if not ctx.is_reseller_order:
        return [] if ctx.customer.active else [_inactive(ctx)]
    reseller = ctx.reseller
    if reseller is None:
        return [_problem(ctx, "reseller_unknown", "mpn_id",
                         "This order is placed as a reseller but no reseller account is "
                         "linked to it. Sign in with your reseller account.")]
    if not reseller.active:  # the provider's word: Microsoft's answers do not lift it
        return [_reseller_inactive(ctx)]
    problems = []
    if reseller.mpn_valid is not True:
        state = "could not be verified" if reseller.mpn_valid is None else "is not valid"
        problems.append(_problem(ctx, f"mpn_{_slug(reseller.mpn_valid, 'invalid')}", "mpn_id",
                                 f"Your MPN ID {state} with Microsoft. Check the MPN ID on "
                                 "your profile; ordering resumes once Microsoft accepts it."))
    if reseller.mpn_valid is True and reseller.listed is not True:
        problems.append(_not_listed(ctx, reseller.listed))
    if reseller.mpa_verified is not True:
        state = ("could not be verified" if reseller.mpa_verified is None
                 else "is not signed")
        problems.append(_problem(ctx, f"mpa_{_slug(reseller.mpa_verified, 'not_signed')}", "mpa",
                                 f"Your acceptance of the Microsoft Partner Agreement {state}. "
                                 "Accept the MPA in Partner Center; ordering resumes once "
                                 "Microsoft confirms it."))
    return problems


def _inactive(ctx: CheckoutContext) -> Problem:
    return Problem(RULE, CUSTOMER_INACTIVE,
                   f"Your provider has deactivated {ctx.customer.company_name}, so it cannot "
                   "order. Contact your provider; ordering resumes once it reactivates "
                   "the account.", "customer")


def _reseller_inactive(ctx: CheckoutContext) -> Problem:
    return Problem(RULE, RESELLER_INACTIVE,
                   f"The provider has deactivated {ctx.reseller.company}, so it cannot order "
                   f"for {ctx.customer.company_name}. Ordering resumes once the provider "
                   "reactivates it.", "customer")


def _not_listed(ctx: CheckoutContext, listed: bool | None) -> Problem:
    """Partner Center must list the reseller among our indirect resellers (its tenant)."""
    if listed is None:
        return _problem(ctx, "listing_unverified", "mpn_id",
                        "We could not confirm with Microsoft that you are one of our indirect "
                        "resellers. Check again in a few minutes.")
    return _problem(ctx, "not_indirect_reseller", "mpn_id",
                    "Microsoft does not list you as one of our indirect resellers, so orders "
                    "cannot be placed for your customers. Accept our indirect reseller "
                    "relationship in Partner Center, then check again.")


def _slug(flag: bool | None, refused: str) -> str:
    return "unverified" if flag is None else refused


def _problem(ctx: CheckoutContext, slug: str, field: str, message: str) -> Problem:
    return Problem(RULE, f"{RULE}.{slug}", message, field, ctx.urls.reseller_profile)
