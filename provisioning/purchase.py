"""Buying an order's new lines: one cart, one checkout, each line given its order.

A stored cart can stop being buyable: an availability in it rotated (400019 at checkout)
or it expired after 7 days (800008) while the order waited for a person. Then the cart is
read: one Partner Center shows `Ordered` was bought, and its orders are read back, never
bought again; any other is dropped and a fresh cart, from availabilities read just now,
is built once in the same run from the lines that have no order yet.

Reading back (a checkout replay answered 800064/800065, or an `Ordered` cart) waits until
the cart is `Ordered`, then claims only orders created between the cart's creation and its
checkout, claimed by no local line, whose lines are exactly what one of the cart's order
groups asked for; a group with no such order yet is waited for (the
order list lags ~15 minutes, up to the provisioning deadline), one with several goes to a
person (results.record_checkout): another purchase for the same tenant is never claimed.
Lines of a group Partner Center refused in the cart are recorded refused meanwhile.

An admin's retry marks refused lines RETRYING (jobs.requeue); `buy` settles the stored
cart's lines in doubt first and only then buys the marked lines through a fresh cart.
"""

from __future__ import annotations

from datetime import timedelta

from connectors.partner_center.client import PartnerCenterClient
from connectors.partner_center.commerce_types import Cart, CheckoutResult
from connectors.partner_center.commerce_types import Order as PcOrder
from connectors.partner_center.errors import Conflict, PartnerCenterError
from orders.models import Order, OrderLine
from persistence import db
from provisioning import lost_carts, results, steps
from provisioning.attention import NeedsAttention
from provisioning.steps import Checkpoint, checkout_wait

STALE_CART = ("400019", "800008")  # availability rotated; cart expired or not found
REPLAYED = ("800064", "800065")  # a checkout of this cart is running or went through
# A line Partner Center refused that an admin's retry buys again (jobs.requeue), through a
# fresh cart once the stored cart's other lines are settled (`buy`).
RETRYING = "retrying"
CLOCK_SLACK = timedelta(minutes=1)  # an order stamped just after its cart turned Ordered


def to_buy(lines: list[OrderLine]) -> bool:
    """Whether some of the lines wait for a purchase (pending or marked for a retry)."""
    return any(line.status in ("pending", RETRYING) for line in lines)


def buy(order: Order, lines: list[OrderLine], client: PartnerCenterClient,
        checkpoint: Checkpoint) -> None:
    """Settle the stored cart's pending lines, then buy the lines an admin's retry marked
    (RETRYING) through a fresh cart. In that order: until every line of the stored cart
    is known bought or refused, forgetting the cart could buy a line twice, so a line still
    unknown (its order not listed yet) makes the marked lines wait."""
    if any(line.status == "pending" for line in lines):
        _buy_pending(order, lines, client, checkpoint)
    marked = [line for line in lines if line.status == RETRYING]
    if marked:
        for line in marked:
            line.status = "pending"
        steps.drop_cart(order)  # commits the lines with it: the fresh cart holds them
        _buy_pending(order, lines, client, checkpoint)


def _buy_pending(order: Order, lines: list[OrderLine], client: PartnerCenterClient,
                 checkpoint: Checkpoint) -> None:
    """Cart and check out the pending `lines`, then record each line's order or error."""
    steps.ensure_cart(order, lines, client, checkpoint)
    try:
        result = checkout(order, client, checkpoint)
    except PartnerCenterError as error:
        if error.code not in STALE_CART:
            raise
        result = _after_stale_cart(order, lines, client, checkpoint)
        if result is None:  # the lost cart's lines were bought: their orders are recorded
            return
    cart = client.get_cart(order.pc_customer_id, order.pc_cart_id,
                           correlation_id=order.correlation_id)
    results.record_checkout(order, lines, cart, result)


def look_up(order: Order, lines: list[OrderLine], client: PartnerCenterClient) -> None:
    """Settle the pending lines of a checkout whose answer was lost from what Partner Center
    shows, buying nothing (an admin's close asks this, provisioning.closing): an `Ordered`
    cart gives them their orders or refusals (read back; checkout_wait while not listed),
    one Partner Center no longer has the orders bought without it (lost_carts). Lines
    still pending afterwards were not bought: their cart was never checked out."""
    cart = _stored_cart(order, client)
    if cart is None:
        lost_carts.adopt(order, lines, client)
    elif _ordered(cart):
        results.record_checkout(order, lines, cart, read_back(order, client, cart))


def checkout(order: Order, client: PartnerCenterClient, checkpoint: Checkpoint
             ) -> CheckoutResult:
    """Check the cart out once; a replay answered 800064/800065 reads the orders back."""
    request_id = steps.store_request_id(order, "pc_checkout_request_id")
    try:
        with steps.forget_on_refusal(order, "pc_checkout_request_id"):
            result = client.checkout_cart(order.pc_customer_id, order.pc_cart_id,
                                          request_id=request_id,
                                          correlation_id=order.correlation_id)
    except Conflict as error:  # CartAlreadySubmitted (800065) is a Conflict too
        if error.code not in REPLAYED:
            raise
        result = read_back(order, client, _cart(order, client))
    checkpoint("checkout")
    return result


def _after_stale_cart(order: Order, lines: list[OrderLine], client: PartnerCenterClient,
                      checkpoint: Checkpoint) -> CheckoutResult | None:
    """The stored cart cannot be checked out: read its orders back if it was bought,
    otherwise buy the same lines through a fresh cart (once; a second refusal stops). A
    cart Partner Center no longer has is rebuilt too, unless orders show its lines were
    bought: those are adopted (lost_carts) and None is returned."""
    cart = _stored_cart(order, client)
    if cart is None and lost_carts.adopt(order, lines, client):
        return None
    if cart is not None and _ordered(cart):
        return read_back(order, client, cart)
    steps.drop_cart(order)
    steps.ensure_cart(order, lines, client, checkpoint)
    return checkout(order, client, checkpoint)


def _stored_cart(order: Order, client: PartnerCenterClient) -> Cart | None:
    """The stored cart, or None when Partner Center answers it is not found (800008)."""
    try:
        return client.get_cart(order.pc_customer_id, order.pc_cart_id,
                               correlation_id=order.correlation_id)
    except PartnerCenterError as error:
        if error.http_status != 404 or error.code != lost_carts.CART_NOT_FOUND:
            raise
        return None


def _cart(order: Order, client: PartnerCenterClient) -> Cart:
    """The cart of a checkout replay (800064/800065 say it was submitted): one Partner
    Center no longer has cannot tell what its checkout bought."""
    try:
        cart = _stored_cart(order, client)
    except PartnerCenterError as error:
        if error.http_status != 404:
            raise
        cart = None
    if cart is None:
        raise NeedsAttention(
            f"Partner Center no longer has this order's cart {order.pc_cart_id}, so it "
            "cannot tell whether the cart was bought.",
            "Look for the customer's orders of this cart in Partner Center: if there are "
            "none, cancel this order and place it again; otherwise ask support.")
    return cart


def _ordered(cart: Cart) -> bool:
    """Whether a checkout of the cart went through."""
    return cart.status.lower() == "ordered"


def _during_checkout(pc_order: PcOrder, cart: Cart) -> bool:
    """Whether the order was created between the cart's creation and its checkout (the
    cart's last change once `Ordered`): a purchase made before or after is another one."""
    if not pc_order.created:
        return True
    return (not cart.created or pc_order.created >= cart.created) and (
        not cart.modified or pc_order.created <= cart.modified + CLOCK_SLACK)


def read_back(order: Order, client: PartnerCenterClient, cart: Cart) -> CheckoutResult:
    """The orders the checkout of this `Ordered` cart created and no local line claims."""
    if not _ordered(cart):  # 800064: another checkout of it is still running
        raise checkout_wait("The cart is being checked out; its orders are not known yet.",
                            cart)
    claimed = set(db.session.scalars(db.select(OrderLine.pc_order_id)
                                     .where(OrderLine.pc_order_id != "")))
    listed = client.list_orders(order.pc_customer_id, correlation_id=order.correlation_id)
    fresh = tuple(o for o in listed if o.id not in claimed and _during_checkout(o, cart))
    # Partner Center lists new orders with a delay: lines of groups with no order listed yet
    # stay pending and are waited for (results.record_checkout); refused ones are recorded.
    return CheckoutResult(orders=results.fitting_orders(cart, fresh), order_errors=())

