"""The Azure plan's Azure subscriptions, their registration for reservations, and the cart
checks of a reservation line's provisioning context (rule K12).

Documented (kvamseek/partner-center developer/): get-a-list-of-azure-entitlements-for-
subscription (GET …/azureEntitlements), register-a-subscription (POST …/registrations →
202 + Location), get-subscription-registration-status (GET …/registrationstatus),
create-azure-plan ("a corresponding Azure usage subscription is also created in Azure"),
purchase-azure-reservations (register the Azure plan first) and create-a-cart (a
reservation line's provisioningContext {subscriptionId, scope}).

Cart error codes (reference part 2, section 6): 10010 for a reservation line without its
provisioning context is [inferred] (the docs name no code for it); 10011 when the named
Azure subscription is not under a registered Azure plan of the customer.
"""

from __future__ import annotations

import uuid
from typing import Any

from connectors.partner_center import wire
from connectors.partner_center.sandbox.catalog import Resolved
from connectors.partner_center.sandbox.customers import Answer, collection, customer
from connectors.partner_center.sandbox.errors import SandboxError
from connectors.partner_center.sandbox.state import Sandbox

AZURE_PLAN_FAMILY = "azure_plan"
SCOPES = ("shared", "single")
REGISTERED, REGISTERING, NOT_REGISTERED = "Registered", "Registering", "NotRegistered"


def azure_state(sb: Sandbox) -> dict[str, Any]:
    """The Azure part of the state, created on first use (older state files lack it)."""
    return sb.data.setdefault("azure", {"entitlements": {}, "registrations": {}})


def is_azure_plan(item: Resolved) -> bool:
    """The catalog item is the Azure plan (create-azure-plan)."""
    return item.product.get("storefront", {}).get("family") == AZURE_PLAN_FAMILY


def needs_context(item: Resolved) -> bool:
    """A reservation SKU: its provisioningVariables name the Azure subscription."""
    return "SubscriptionId" in (item.sku.get("provisioningVariables") or [])


def add_azure_subscription(sb: Sandbox, plan_subscription_id: str,
                           azure_subscription_id: str | None = None,
                           name: str = "Microsoft Azure") -> dict[str, Any]:
    """An Azure subscription under an Azure plan (Azure creates the first with the plan;
    more are made in the Azure portal, which the demo and tests play here)."""
    entitlement = {"id": azure_subscription_id or str(uuid.uuid4()), "friendlyName": name,
                   "status": "active", "subscriptionId": plan_subscription_id}
    azure_state(sb)["entitlements"].setdefault(plan_subscription_id, []).append(entitlement)
    # When it began to run up usage (usage.py); kept beside the entitlement, whose wire
    # shape (get-a-list-of-azure-entitlements-for-subscription) has no such attribute.
    azure_state(sb).setdefault("created", {})[entitlement["id"]] = wire.iso(sb.now())
    return entitlement


def plan_created(sb: Sandbox, plan_subscription_id: str) -> None:
    """Azure makes the plan's first Azure usage subscription when the plan is created."""
    if not azure_state(sb)["entitlements"].get(plan_subscription_id):
        add_azure_subscription(sb, plan_subscription_id)


def _plan(sb: Sandbox, tenant_id: str, subscription_id: str) -> dict[str, Any]:
    """The customer's subscription, or 404/20003 as for any subscription read."""
    customer(sb, tenant_id)
    found = sb.data["subscriptions"].get(subscription_id)
    if found is None or found["customerId"] != tenant_id:
        raise SandboxError(404, 20003, f"Subscription {subscription_id} was not found.")
    return found


def entitlements(sb: Sandbox, tenant_id: str, subscription_id: str) -> Answer:
    """GET {c}/subscriptions/{s}/azureEntitlements: the plan's Azure subscriptions."""
    _plan(sb, tenant_id, subscription_id)
    items = list(azure_state(sb)["entitlements"].get(subscription_id, []))
    return 200, collection(items, links=False)


def register(sb: Sandbox, tenant_id: str, subscription_id: str) -> tuple[int, Any, dict]:
    """POST {c}/subscriptions/{s}/registrations → 202, no body, Location of the status."""
    _plan(sb, tenant_id, subscription_id)
    azure_state(sb)["registrations"][subscription_id] = (
        REGISTERED if sb.config.registration_completes else REGISTERING)
    location = f"/customers/{tenant_id}/subscriptions/{subscription_id}/registrationstatus"
    return 202, None, {"Location": location}


def registration_status(sb: Sandbox, tenant_id: str, subscription_id: str) -> Answer:
    """GET {c}/subscriptions/{s}/registrationstatus."""
    _plan(sb, tenant_id, subscription_id)
    status = azure_state(sb)["registrations"].get(subscription_id, NOT_REGISTERED)
    return 200, {"subscriptionId": subscription_id, "status": status,
                 "attributes": {"objectType": "SubscriptionRegistrationStatus"}}


def _registered_subscriptions(sb: Sandbox, tenant_id: str) -> set[str]:
    """The Azure subscriptions under this customer's registered, live Azure plans."""
    azure = azure_state(sb)
    return {e["id"].lower() for plan, found in azure["entitlements"].items()
            if azure["registrations"].get(plan) == REGISTERED
            and (sb.data["subscriptions"].get(plan) or {}).get("customerId") == tenant_id
            for e in found if e["status"] == "active"}


def line_error(sb: Sandbox, tenant_id: str, line: dict[str, Any],
               item: Resolved) -> dict[str, Any] | None:
    """A reservation line's provisioning-context error, None when it is complete."""
    if not needs_context(item):
        return None
    context = wire.obj(line, "provisioningContext")
    subscription = wire.text(context, "subscriptionId").lower()
    scope = wire.text(context, "scope").lower()
    if not subscription or scope not in SCOPES:
        return {"errorCode": 10010, "errorDescription":
                "A reservation needs its provisioningContext: subscriptionId and scope "
                "(shared or single)."}
    if subscription not in _registered_subscriptions(sb, tenant_id):
        return {"errorCode": 10011, "errorDescription":
                f"Subscription {subscription} is not registered for Azure reservations."}
    return None
