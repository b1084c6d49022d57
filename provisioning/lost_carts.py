"""A stored cart Partner Center no longer has: GET answers 404 with 800008, the code our
reference (partner-center-api.md §2) gives for a cart not found.

Such a cart is taken as never checked out and is rebuilt like an expired one (purchase),
unless the customer's orders show its lines were bought all the same: an order created
since this order was placed, claimed by no local line, billed in the lines' cycle, each
of whose lines is one of the pending lines (product and SKU of its catalog item, term,
quantity). Such an order is adopted (its lines get it, nothing is bought); lines no
adopted order covers are then in doubt and go to a person, never into a new cart. Two
orders fitting the same line are not guessed between.
"""

from __future__ import annotations

from connectors.partner_center.client import PartnerCenterClient
from connectors.partner_center.commerce_types import Order as PcOrder
from connectors.partner_center.commerce_types import OrderLine as PcOrderLine
from orders.models import Order, OrderLine
from persistence import as_utc, db
from provisioning.attention import ADMIN_RETRY, NeedsAttention

CART_NOT_FOUND = "800008"


def adopt(order: Order, lines: list[OrderLine], client: PartnerCenterClient) -> bool:
    """Give the pending lines the orders that bought them without the lost cart; False
    when no order did (the cart can be rebuilt). The adopted orders are committed."""
    pending = [line for line in lines if line.status == "pending"]
    fits = [(o, bought) for o in _candidates(order, client) if (bought := _bought(o, pending))]
    if not fits:
        return False
    _refuse_ties(order, fits)
    for pc_order, bought in fits:
        for line in bought:
            line.pc_order_id, line.status = pc_order.id, "ordered"
    db.session.commit()
    left = [line for line in pending if line.status == "pending"]
    if left:
        raise NeedsAttention(
            f"Partner Center no longer has cart {order.pc_cart_id}, yet its order(s) "
            f"{', '.join(o.id for o, _ in fits)} bought some of this order's lines; whether "
            f"line(s) {', '.join(str(ln.line_number + 1) for ln in left)} were bought too "
            "cannot be told, so they are not bought again.",
            "Look for the customer's other orders of these lines in Partner Center: if there "
            "are none, cancel this order and place the missing lines again; " + ADMIN_RETRY)
    return True


def _candidates(order: Order, client: PartnerCenterClient) -> list[PcOrder]:
    """The customer's orders made since this order was placed that no local line claims."""
    claimed = set(db.session.scalars(db.select(OrderLine.pc_order_id)
                                     .where(OrderLine.pc_order_id != "")))
    since = as_utc(order.created_at)
    listed = client.list_orders(order.pc_customer_id, correlation_id=order.correlation_id)
    return [o for o in listed if o.id not in claimed and (not o.created or o.created >= since)]


def _bought(pc_order: PcOrder, pending: list[OrderLine]) -> list[OrderLine]:
    """The pending lines this order bought, one per order line; none unless every line of
    the order is one of them."""
    free = [ln for ln in pending if _cycle(ln.billing_cycle) == _cycle(pc_order.billing_cycle)]
    bought: list[OrderLine] = []
    for item in sorted(pc_order.lines, key=lambda li: li.line_item_number):
        line = next((ln for ln in free if ln not in bought and _same(item, ln)), None)
        if line is None:
            return []
        bought.append(line)
    return bought


def _same(item: PcOrderLine, line: OrderLine) -> bool:
    """An order line buys this line: its catalog item's product and SKU (the availability
    rotates), quantity and term (none named for perpetual software)."""
    product, sku = (item.offer_id.split(":") + ["", ""])[:2]
    return (product, sku, item.quantity) == (line.pc_product_id, line.pc_sku_id,
                                             line.quantity) and (
        not item.term_duration or item.term_duration.upper() == line.term_duration.upper())


def _cycle(value: str) -> str:
    """A billing cycle as both sides spell it (`one_time`, `OneTime`)."""
    return value.replace("_", "").lower()


def _refuse_ties(order: Order, fits: list[tuple[PcOrder, list[OrderLine]]]) -> None:
    """Stop when two orders fit the same line: which one the lost cart made is unknown."""
    seen: dict[int, str] = {}
    for pc_order, bought in fits:
        for line in bought:
            if line.id in seen:
                raise NeedsAttention(
                    f"Partner Center no longer has cart {order.pc_cart_id}, and orders "
                    f"{seen[line.id]} and {pc_order.id} both fit line {line.line_number + 1}"
                    " of this order, so neither was taken.",
                    "An administrator should find in Partner Center which order belongs to "
                    "this order before anything else: retrying meets the same tie.")
            seen[line.id] = pc_order.id
