"""K12 in provisioning: the Azure plan registered for reservations before the cart that
holds a reservation is created (the line's provisioningContext: steps._cart_line).

Microsoft (purchase-azure-reservations): "when purchasing Microsoft Azure reservation for a
customer with an Azure plan, you must register the Azure plan first" (register-a-
subscription: POST …/registrations → 202; get-subscription-registration-status).
Registering a registered plan changes nothing, so unlike the other writes no request id
is kept for it: a re-run after a crash simply registers (or finds it registered) again.
"""

from __future__ import annotations

from connectors.partner_center.azure_plan import AZURE_PLAN_PRODUCT
from connectors.partner_center.client import PartnerCenterClient
from orders.models import Order, OrderLine
from provisioning.attention import NeedsAttention
from provisioning.steps import Checkpoint, StillProvisioning

RESERVATION = "azure_reservation"


def register_azure_plan(order: Order, lines: list[OrderLine], client: PartnerCenterClient,
                        checkpoint: Checkpoint) -> None:
    """Register the customer's Azure plan for reservations when a line is one."""
    if order.pc_cart_id or not any(ln.family == RESERVATION for ln in lines):
        return
    plan = _azure_plan(order, client)
    status = client.get_registration_status(order.pc_customer_id, plan,
                                            correlation_id=order.correlation_id)
    if status == "registered":
        return
    if status != "registering":
        client.register_subscription(order.pc_customer_id, plan,
                                     correlation_id=order.correlation_id)
        checkpoint("registration")
        status = client.get_registration_status(order.pc_customer_id, plan,
                                                correlation_id=order.correlation_id)
    if status != "registered":  # Microsoft is still registering it: look again later
        raise StillProvisioning("The Azure plan is being registered for reservations.")


def _azure_plan(order: Order, client: PartnerCenterClient) -> str:
    """The Partner Center id of the customer's live Azure plan, as Partner Center lists it."""
    for sub in client.list_subscriptions(order.pc_customer_id,
                                         correlation_id=order.correlation_id):
        if sub.offer_id.partition(":")[0] == AZURE_PLAN_PRODUCT and sub.status == "active":
            return sub.id
    raise NeedsAttention(
        "The customer has no active Azure plan in Partner Center, which a reservation "
        "needs (K12).",
        "Check the customer's Azure plan in Partner Center, then retry; or cancel the order.",
        code="K12")
