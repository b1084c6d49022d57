"""K4 Delegated admin: an order for an existing Microsoft tenant needs delegated admin.

Whether a reseller or a direct customer orders, an existing tenant must first authorise
the provider as its delegated administrator. Today that is an active GDAP relationship
(Microsoft Graph delegatedAdminRelationships) carrying the roles the provider requires,
not past its end date; until then checkout stops and links where it is granted: the
pending relationship's approval link for the tenant's admin, or the tenant page where a
new one is requested (none yet, expired, or missing roles). The retired DAP flag counts
only while Microsoft still reports it. When neither could be asked (unknown), we stop
too rather than send an order that fails.

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
        # K11 speaks for a tenant not yet shown to be the buyer's: nothing about it is
        # known or said until then (not even whether we manage it).
        return _existing_tenant(ctx) if ctx.customer.tenant_verified else []
    return _new_tenant(ctx)


def check_record(ctx: CheckoutContext) -> list[Problem]:
    """What the customer's own details must give, whatever Partner Center says: a linked
    tenant, or a well-formed domain prefix for a new one."""
    customer, field_url = ctx.customer, ctx.urls.customer_field
    if customer.tenant_mode == "existing":
        if customer.tenant_id or customer.tenant_domain:
            return []
        return [_problem("tenant_missing", "tenant_id", field_url("tenant_id"),
                         "The order is for an existing Microsoft tenant but none is linked. "
                         "Enter the tenant's domain or ID on the customer's details.")]
    prefix = (customer.domain_prefix or "").strip()
    if not prefix:
        return [_problem("missing_domain_prefix", "domain_prefix", field_url("domain_prefix"),
                         "A new Microsoft tenant needs a domain prefix. Choose one, e.g. "
                         "contoso for contoso.onmicrosoft.com.")]
    if not _PREFIX.fullmatch(prefix):
        return [_problem("invalid_domain_prefix", "domain_prefix", field_url("domain_prefix"),
                         f"{prefix!r} is not a valid domain prefix. Use letters and digits "
                         "only, e.g. contoso.")]
    return []


def _existing_tenant(ctx: CheckoutContext) -> list[Problem]:
    customer = ctx.customer
    if customer.tenant_listed is False:
        return [_not_listed(ctx)]
    if customer.gdap_active is True and not customer.gdap_missing_roles:
        return []
    if customer.delegated_admin is True:
        return []  # DAP, for as long as Microsoft still reports it
    return [_gdap_problem(ctx)]


def _not_listed(ctx: CheckoutContext) -> Problem:
    customer = ctx.customer
    link, tenant = customer.relationship_request_url, customer.tenant_domain or customer.tenant_id
    return _problem("tenant_not_listed", "delegated_admin", link,
                    f"Partner Center does not list the tenant {tenant} among our customers. "
                    f"Its global admin must accept the relationship request "
                    f"({link or 'ask us for the link'}); if {tenant} is not the "
                    "customer's tenant, correct it on the customer's details.")


def _gdap_problem(ctx: CheckoutContext) -> Problem:
    customer, page = ctx.customer, ctx.urls.tenant_proof or None
    status = customer.gdap_status
    if customer.gdap_active is None and customer.delegated_admin is None:
        return _problem("delegated_admin_unconfirmed", "delegated_admin", page,
                        "We could not confirm that the tenant has granted us delegated admin "
                        "(GDAP). Check again in a few minutes.")
    if status in _PENDING:
        return _problem("gdap_pending", "delegated_admin", customer.gdap_approval_url or page,
                        "The tenant's global admin has not approved our delegated admin "
                        "(GDAP) request yet. Send them the approval link; then place the "
                        "order again.")
    if customer.gdap_active and customer.gdap_missing_roles:
        roles = ", ".join(customer.gdap_missing_roles)
        return _problem("gdap_roles_missing", "delegated_admin", page,
                        f"Our delegated admin (GDAP) for the tenant lacks the roles {roles}. "
                        "Request a new relationship with them and have the tenant's admin "
                        "approve it.")
    if status in _ENDED:
        return _problem("gdap_expired", "delegated_admin", page,
                        "Our delegated admin (GDAP) for the tenant has ended. Request it "
                        "again and have the tenant's global admin approve it.")
    return _problem("delegated_admin_missing", "delegated_admin", page,
                    "The tenant has not granted us delegated admin (GDAP) yet. Request it "
                    "from the tenant page and have its global admin approve it; then place "
                    "the order again.")


_PENDING = ("created", "approvalPending", "approved", "activating")
_ENDED = ("expired", "expiring", "terminationRequested", "terminating", "terminated")


def _new_tenant(ctx: CheckoutContext) -> list[Problem]:
    prefix = (ctx.customer.domain_prefix or "").strip()
    if ctx.customer.domain_available is True:
        return []
    slug, reason = (("domain_unconfirmed", "could not be checked")
                    if ctx.customer.domain_available is None else ("domain_taken", "is taken"))
    return [_problem(slug, "domain_prefix", ctx.urls.customer_field("domain_prefix"),
                     f"The domain {prefix}.onmicrosoft.com {reason}. Choose another prefix "
                     "or check it again.")]


def _problem(slug: str, field: str, fix_url: str | None, message: str) -> Problem:
    return Problem(RULE, f"{RULE}.{slug}", message, field, fix_url)
