"""K12 in provisioning: the Azure plan registered for reservations before the cart that
holds a reservation is created (the line's provisioningContext: steps._cart_line).

Microsoft (purchase-azure-reservations): "when purchasing Microsoft Azure reservation for a
customer with an Azure plan, you must register the Azure plan first" (register-a-
subscription: POST …/registrations → 202; get-subscription-registration-status).
Registering a registered plan changes nothing, so unlike the other writes no request id
is kept for it: a re-run after a crash simply registers (or finds it registered) again.
The wait for Microsoft to finish registering is polled like a pending order and goes to
a person past the provisioning deadline (provisioning.jobs._poll_later).
"""

from __future__ import annotations

from datetime import datetime

from connectors.partner_center.azure_plan import AZURE_PLAN_PRODUCT
from connectors.partner_center.client import PartnerCenterClient
from orders.models import Order, OrderEvent, OrderLine
from persistence import db
from provisioning.attention import ADMIN_RETRY, NeedsAttention
from provisioning.steps import Checkpoint, StillProvisioning

RESERVATION = "azure_reservation"
REGISTERING = "Waiting for Microsoft to register the Azure plan"


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
    began = _wait_began(order, plan)
    if status != "registering":
        client.register_subscription(order.pc_customer_id, plan,
                                     correlation_id=order.correlation_id)
        checkpoint("registration")
        status = client.get_registration_status(order.pc_customer_id, plan,
                                                correlation_id=order.correlation_id)
    if status != "registered":  # Microsoft is still registering it: look again later
        raise StillProvisioning(
            f"The Azure plan {plan} is being registered for reservations ({status}).",
            since=began, began="its registration was asked for",
            next_step=f"Ask Microsoft support why the customer's Azure plan {plan} is not "
                      "registered for reservations (quote the plan's subscription id); "
                      "once Partner Center shows it registered, " + ADMIN_RETRY)


def _wait_began(order: Order, plan: str) -> datetime:
    """When this order began waiting for the plan's registration: a history line written
    and committed before asking, so polls and re-runs after a crash time the same wait
    (Partner Center's registration status carries no date); an admin retry writes a line
    of its own last, so its wait starts afresh."""
    last = order.events[-1] if order.events else None
    if last is None or not last.note.startswith(REGISTERING):
        last = OrderEvent(status=order.status,
                          note=f"{REGISTERING} {plan} for reservations (K12).")
        order.events.append(last)
        db.session.commit()
    return last.at


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
