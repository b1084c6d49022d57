"""Software that only Get Orders returns, read as subscriptions so sync and import adopt it.

Microsoft returns software subscriptions bought before October 2021, and perpetual
software, in a customer's orders (GET /customers/{id}/orders) but not in the subscriptions
list. Sync and the customer import therefore read the orders too and take, from completed
or cancelled orders (never pending ones, whose lines the subscriptions list will answer
for), each line that the subscriptions list did not already answer for and that is
  - perpetual software (its catalog product's family), whatever the date, or
  - any software line of an order created before 2021-10-01 (or a line of such an order
    whose product the catalog lacks: the adoption reports it, never guesses).
A line is known by its subscriptionId (or order id and line number when it has none), so
a second pass finds the row it made and changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from connectors.partner_center import Order, OrderLine, PartnerCenterClient
from connectors.partner_center.commerce_types import Subscription as RemoteSubscription
from subscriptions.matching import ProductIndex, Unmatched
from subscriptions.rules import PERPETUAL

ORDERS_ONLY_BEFORE = datetime(2021, 10, 1, tzinfo=UTC)
SOFTWARE = frozenset({PERPETUAL, "software_subscription"})
SETTLED = ("completed", "cancelled")


def line_id(order: Order, line: OrderLine) -> str:
    """The id a line is mirrored under: Partner Center's subscription id when it names one."""
    return line.subscription_id or f"{order.id}:{line.line_item_number}"


def _family(products: ProductIndex, offer_id: str) -> str:
    """The catalog family of a line's product; "" when the catalog lacks it (the adoption
    then reports it as unmatched, with what to do)."""
    try:
        return products.find(offer_id).family
    except Unmatched:
        return ""


def _wanted(order: Order, line: OrderLine, products: ProductIndex) -> bool:
    """Whether only the orders list brings this line in (see the module's policy)."""
    if order.status not in SETTLED:
        return False
    family = _family(products, line.offer_id)
    if family == PERPETUAL:
        return True
    old = order.created is not None and order.created < ORDERS_ONLY_BEFORE
    return old and (family in SOFTWARE or not family)


def as_subscription(order: Order, line: OrderLine) -> RemoteSubscription:
    """An order line in the shape the subscription mirror reads; a cancelled order, or a
    line cancelled alone (quantity 0, cancel-software-purchases), reads as deleted."""
    cancelled = order.status == "cancelled" or line.quantity == 0
    return RemoteSubscription(
        id=line_id(order, line), offer_id=line.offer_id, offer_name=line.friendly_name,
        friendly_name=line.friendly_name, quantity=line.quantity,
        status="deleted" if cancelled else "active", auto_renew_enabled=False,
        billing_cycle=order.billing_cycle, term_duration=line.term_duration,
        order_id=order.id, partner_id=line.partner_id_on_record, created=order.created,
        commitment_end=None, term_end=None, cancellation_allowed_until=None, etag="")


def orders_only(orders: Iterable[Order], listed: Iterable[str],
                products: ProductIndex) -> list[RemoteSubscription]:
    """The lines of `orders` the subscriptions list (`listed` ids) did not return."""
    seen = {i.lower() for i in listed}
    return [as_subscription(order, line) for order in orders for line in order.lines
            if line_id(order, line).lower() not in seen and _wanted(order, line, products)]


def with_orders(client: PartnerCenterClient, tenant_id: str,
                remotes: Sequence[RemoteSubscription],
                products: ProductIndex) -> list[RemoteSubscription]:
    """A tenant's listed subscriptions plus the software only its orders return."""
    extra = orders_only(client.list_orders(tenant_id), (r.id for r in remotes), products)
    return [*remotes, *extra]
