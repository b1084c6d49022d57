"""K4 Delegated admin: an order for an existing Microsoft tenant needs delegated admin.

Whether a reseller or a direct customer orders, an existing tenant must first authorise
the provider as its delegated administrator; until then checkout stops and shows the
relationship request link the tenant's global admin opens to grant it. When Partner
Center could not tell us (unknown), we stop too rather than send an order that fails.

For a new tenant there is nothing to authorise yet, but Partner Center creates it under
a free onmicrosoft.com domain prefix, so the prefix must be given and confirmed free.
"""

from __future__ import annotations

import re

from checkout.context import CheckoutContext
from checkout.problems import Problem

RULE = "K4"

# onmicrosoft.com prefixes are letters and digits only (no dots, hyphens or spaces).
_PREFIX = re.compile(r"[A-Za-z0-9]{1,63}")


def check(ctx: CheckoutContext) -> list[Problem]:
    """The tenant problems: delegated admin for an existing tenant, the domain for a new one."""
    problems = check_record(ctx)
    if problems:
        return problems
    if ctx.customer.tenant_mode == "existing":
        return _existing_tenant(ctx)
    return _new_tenant(ctx)


def check_record(ctx: CheckoutContext) -> list[Problem]:
    """What the customer's own details must give, whatever Partner Center says: a linked
    tenant, or a well-formed domain prefix for a new one."""
    customer, edit = ctx.customer, ctx.urls.customer_edit
    if customer.tenant_mode == "existing":
        if customer.tenant_id or customer.tenant_domain:
            return []
        return [_problem("tenant_missing", "tenant_id", edit,
                         "The order is for an existing Microsoft tenant but none is linked. "
                         "Enter the tenant's domain or ID on the customer's details.")]
    prefix = (customer.domain_prefix or "").strip()
    if not prefix:
        return [_problem("missing_domain_prefix", "domain_prefix", edit,
                         "A new Microsoft tenant needs a domain prefix. Choose one, e.g. "
                         "contoso for contoso.onmicrosoft.com.")]
    if not _PREFIX.fullmatch(prefix):
        return [_problem("invalid_domain_prefix", "domain_prefix", edit,
                         f"{prefix!r} is not a valid domain prefix. Use letters and digits "
                         "only, e.g. contoso.")]
    return []


def _existing_tenant(ctx: CheckoutContext) -> list[Problem]:
    customer = ctx.customer
    link = customer.relationship_request_url
    if customer.delegated_admin is True:
        return []
    if customer.tenant_listed is False:
        tenant = customer.tenant_domain or customer.tenant_id
        return [_problem("tenant_not_listed", "delegated_admin", link,
                         f"Partner Center does not list the tenant {tenant} among our customers. "
                         f"Its global admin must accept the relationship request "
                         f"({link or 'ask us for the link'}); if {tenant} is not the "
                         "customer's tenant, correct it on the customer's details.")]
    if customer.delegated_admin is None:
        slug, opening = "delegated_admin_unconfirmed", (
            "We could not confirm that the tenant has authorised us as delegated admin.")
    else:
        slug, opening = "delegated_admin_missing", (
            "The tenant has not authorised us as its delegated admin yet.")
    return [_problem(slug, "delegated_admin", link,
                     f"{opening} Its global admin must accept the relationship request "
                     f"({link or 'ask us for the link'}); then place the order again.")]


def _new_tenant(ctx: CheckoutContext) -> list[Problem]:
    prefix, edit = (ctx.customer.domain_prefix or "").strip(), ctx.urls.customer_edit
    if ctx.customer.domain_available is True:
        return []
    slug, reason = (("domain_unconfirmed", "could not be checked")
                    if ctx.customer.domain_available is None else ("domain_taken", "is taken"))
    return [_problem(slug, "domain_prefix", edit,
                     f"The domain {prefix}.onmicrosoft.com {reason}. Choose another prefix "
                     "or check it again.")]


def _problem(slug: str, field: str, fix_url: str | None, message: str) -> Problem:
    return Problem(RULE, f"{RULE}.{slug}", message, field, fix_url)
