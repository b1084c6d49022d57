"""The customer's Azure plan and its Azure subscriptions as Partner Center reports them
(K12): what the customer and subscription pages show, and what a reservation line offers
to choose from.

The plan is our mirror of its Partner Center subscription; the Azure subscriptions under
it are created in Azure (the first with the plan, more in the Azure portal), so they are
read live from the plan's azureEntitlements, never kept here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select

from connectors.partner_center.azure_plan import AzureEntitlement
from connectors.partner_center.errors import PartnerCenterError
from persistence import db
from subscriptions.models import Subscription

log = logging.getLogger(__name__)
AZURE_PLAN = "azure_plan"
ENDED = ("cancelled", "deleted", "expired", "disabled")


@dataclass(frozen=True)
class AzurePlanView:
    """The plan (None: the customer has none), its Azure subscriptions (None: Partner Center
    did not answer; `problem` says what it said)."""

    plan: Subscription | None
    subscriptions: tuple[AzureEntitlement, ...] | None = ()
    problem: str = ""

    @property
    def active_subscriptions(self) -> tuple[AzureEntitlement, ...]:
        """The Azure subscriptions a reservation can apply to."""
        return tuple(s for s in self.subscriptions or () if s.active)


def azure_plan_of(customer_id: int) -> Subscription | None:
    """The customer's Azure plan that has not ended, as mirrored here."""
    return db.session.scalar(select(Subscription).where(
        Subscription.customer_id == customer_id, Subscription.family == AZURE_PLAN,
        Subscription.status.not_in(ENDED)).order_by(Subscription.id).limit(1))


def azure_plan_view(customer_id: int, client) -> AzurePlanView:
    """The plan and its Azure subscriptions read from Partner Center just now."""
    plan = azure_plan_of(customer_id)
    if plan is None or not plan.pc_subscription_id or not plan.tenant_id:
        return AzurePlanView(plan)
    try:
        found = client.list_azure_entitlements(plan.tenant_id, plan.pc_subscription_id)
    except PartnerCenterError as exc:
        log.warning("Azure plan %s: subscriptions not listed: %s", plan.id, exc)
        return AzurePlanView(plan, None, exc.meaning)
    return AzurePlanView(plan, found)
