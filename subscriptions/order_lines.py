"""S6: which line of its Partner Center order a subscription is, for the order PATCH that
cancels software. That PATCH cancels the lines it names and, naming none, the whole order
(cancel-software-purchases), and a cart's one_time purchases share one order (an Azure
plan with the licence), so a subscription is cancelled by naming its own line only.

Provisioning keeps the line's lineItemNumber; for a row mirrored before it did, the order
is read and the line is the one that names the subscription (its subscriptionId, or the
"order:line" id an orders-only adoption gave it), else the one live line of its offer that
names no subscription. Anything else is not guessed: the cancellation is refused.
"""

from __future__ import annotations

from connectors.partner_center import Order, PartnerCenterClient
from subscriptions.errors import SubscriptionRefused
from subscriptions.models import Subscription
from subscriptions.order_sync import line_id
from subscriptions.rules import Refusal


def line_in(order: Order, sub: Subscription) -> int | None:
    """The lineItemNumber of `sub` in its order, or None when no single line is it."""
    mine = (sub.pc_subscription_id or "").lower()
    own = [ln for ln in order.lines if line_id(order, ln).lower() == mine]
    if not own:
        own = [ln for ln in order.lines if not ln.subscription_id and ln.quantity > 0
               and ln.offer_id.lower() == sub.offer_id.lower()]
    return own[0].line_item_number if len(own) == 1 else None


def line_to_cancel(sub: Subscription, client: PartnerCenterClient) -> int:
    """The subscription's line: the one kept, else found in the order (and kept)."""
    if sub.pc_line_item_number is None:
        order = client.get_order(sub.tenant_id, sub.pc_order_id)
        sub.pc_line_item_number = line_in(order, sub)
    if sub.pc_line_item_number is None:
        raise SubscriptionRefused(Refusal(
            "S6", "S6.order_line_unknown",
            f"Partner Center's order {sub.pc_order_id} has no line that is clearly this "
            "subscription, so nothing was cancelled: cancelling the order without naming "
            "the line would cancel every purchase in it. Ask the provider to cancel this "
            "licence in Partner Center."))
    return sub.pc_line_item_number
