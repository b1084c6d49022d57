"""K8 Partner of record: each reseller order line carries that reseller's own MPN ID.

Several resellers may each have a sub-customer linked to the same Microsoft tenant; each
reseller's orders create their own subscriptions in Partner Center, tagged with its MPN
ID as partner of record (never the provider's). So a reseller order needs the reseller's
MPN ID on file, as a number; direct orders carry no partner of record.
"""

from __future__ import annotations

from checkout.context import CheckoutContext
from checkout.problems import Problem

RULE = "K8"


def check(ctx: CheckoutContext) -> list[Problem]:
    """A problem when a reseller order has no usable MPN ID to tag its lines with."""
    if not ctx.is_reseller_order:
        return []
    mpn_id = ctx.partner_of_record
    if mpn_id is None:
        return [_problem(ctx, "missing_partner_id",
                         "Your reseller account has no MPN ID (Partner ID), so Microsoft "
                         "cannot record you as partner of record. Add it to your profile.")]
    if not mpn_id.isdigit() or not mpn_id.isascii():
        return [_problem(ctx, "invalid_partner_id",
                         f"The MPN ID {mpn_id!r} on your profile is not a number. Correct "
                         "it to your numeric Partner ID.")]
    return []


def _problem(ctx: CheckoutContext, slug: str, message: str) -> Problem:
    return Problem(RULE, f"{RULE}.{slug}", message, "mpn_id", ctx.urls.reseller_profile)
