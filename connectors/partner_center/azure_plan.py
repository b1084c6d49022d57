"""The Azure plan and Azure reservations (rule K12): the Azure subscriptions of a plan, and
the registration that enables a plan for reservation purchases.

Microsoft's pages (kvamseek/partner-center, developer/):
- get-a-list-of-azure-entitlements-for-subscription.md: GET
  {c}/subscriptions/{plan}/azureEntitlements → a collection of AzureEntitlement
  {id, friendlyName, status, subscriptionId}: `id` is the Azure subscription, and
  `subscriptionId` the Partner Center subscription of the Azure plan holding it.
- register-a-subscription.md: POST {c}/subscriptions/{s}/registrations, no body → 202 with
  a Location of the registration status.
- get-subscription-registration-status.md: GET {c}/subscriptions/{s}/registrationstatus →
  SubscriptionRegistrationStatus {subscriptionId, status} (the sample says "NotRegistered").
- purchase-azure-reservations.md: "when purchasing Microsoft Azure reservation for a
  customer with an Azure plan, you must register the Azure plan first".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from connectors.partner_center import wire
from connectors.partner_center.transport import Call, Transport

# The Azure plan's product and SKU (create-azure-plan.md: found in the MicrosoftAzure view).
AZURE_PLAN_PRODUCT = "DZH318Z0BPS6"
AZURE_PLAN_SKU = "0001"
AZURE_PLAN_VIEW = "MicrosoftAzure"
# The legacy Microsoft Azure offer: a customer holding it cannot get an Azure plan.
LEGACY_AZURE_OFFER = "MS-AZR-0145P"
RESERVATION_SCOPES = ("shared", "single")  # create-a-cart.md's provisioningContext samples


def _path(customer_id: str, subscription_id: str, tail: str) -> str:
    return (f"/v1/customers/{quote(customer_id, safe='')}/subscriptions/"
            f"{quote(subscription_id, safe='')}/{tail}")


@dataclass(frozen=True)
class AzureEntitlement:
    """One Azure subscription of an Azure plan, as Partner Center reports it."""

    id: str  # the Azure subscription id a reservation's provisioningContext names
    friendly_name: str
    status: str
    plan_subscription_id: str

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> AzureEntitlement:
        return cls(id=wire.text(data, "id"), friendly_name=wire.text(data, "friendlyName"),
                   status=wire.text(data, "status").lower(),
                   plan_subscription_id=wire.text(data, "subscriptionId"))

    @property
    def active(self) -> bool:
        """Only an active Azure subscription can take a reservation."""
        return self.status == "active"


def registration_state(status: str) -> str:
    """Partner Center's registration status in one spelling: registered, registering or
    notregistered (the docs show "NotRegistered"; the summary lists lower-case values)."""
    return status.replace(" ", "").lower()


class AzurePlanApi:
    """Mixin of PartnerCenterClient: the Azure plan's subscriptions and registration."""

    _transport: Transport

    def list_azure_entitlements(self, customer_id: str, plan_subscription_id: str, *,
                                correlation_id: str | None = None
                                ) -> tuple[AzureEntitlement, ...]:
        """The Azure subscriptions under a customer's Azure plan."""
        response = self._transport.send(Call(
            "GET", _path(customer_id, plan_subscription_id, "azureEntitlements"),
            correlation_id=correlation_id))
        return tuple(AzureEntitlement.from_wire(i) for i in wire.items(response.json()))

    def register_subscription(self, customer_id: str, subscription_id: str, *,
                              request_id: str | None = None,
                              correlation_id: str | None = None) -> str:
        """Register a subscription (the Azure plan) for reservations; returns the Location
        of its registration status. Registering twice is harmless, so a retry is safe."""
        response = self._transport.send(Call(
            "POST", _path(customer_id, subscription_id, "registrations"), ok=(202,),
            request_id=request_id, correlation_id=correlation_id))
        return response.headers.get("Location", "")

    def get_registration_status(self, customer_id: str, subscription_id: str, *,
                                correlation_id: str | None = None) -> str:
        """registered, registering or notregistered (see registration_state)."""
        response = self._transport.send(Call(
            "GET", _path(customer_id, subscription_id, "registrationstatus"),
            correlation_id=correlation_id))
        return registration_state(wire.text(response.json(), "status"))
