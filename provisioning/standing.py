"""K9 at the worker: the provider's deactivation stops an order still waiting to be sent.

Checkout judged the buyer's standing when the order was placed, but an order may wait in
the queue (a busy worker, Partner Center throttling) while the provider deactivates its
reseller or its direct customer. Before the order's first Partner Center write the worker
asks again: deactivated, the order stops for a person (needs attention, with the K9 code
and why in its history) and nothing is sent; reactivating the company and retrying the
order sends it. An order something of which was already sent (a tenant created, an MCA
attested, a cart or a checkout, licences being added) is finished instead: a stop midway
would leave Partner Center holding half an order that nobody resumes.
"""

from __future__ import annotations

from accounts.models import Customer, Reseller
from orders.models import Order
from provisioning.attention import ADMIN_RETRY, NeedsAttention

# The order's stored ids of Partner Center writes: any set means one was sent (or tried).
_WRITES = ("pc_customer_request_id", "pc_attestation_request_id", "pc_cart_id",
           "pc_cart_request_id", "pc_checkout_request_id")


def deactivated(order: Order) -> tuple[str, Reseller | Customer] | None:
    """The K9 code and the company the provider deactivated that the order is bought
    for: the customer's reseller, or the direct customer itself; None when both stand."""
    return order.customer.deactivated_buyer


def nothing_sent(order: Order) -> bool:
    """Whether no Partner Center write of the order was sent yet (its request ids are
    stored before each first attempt; an add-licenses line's count before its PATCH)."""
    return not any(getattr(order, field) for field in _WRITES) and all(
        line.status == "pending" and not line.pc_order_id and line.target_quantity is None
        for line in order.lines)


def check(order: Order) -> None:
    """Stop (NeedsAttention) an order nothing of which was sent while the company it is
    bought for is deactivated."""
    found = deactivated(order)
    if found is None or not nothing_sent(order):
        return
    code, company = found
    name = company.company_name
    raise NeedsAttention(
        f"{name} was deactivated by the provider after this order was placed, so nothing "
        f"of it was sent to Partner Center ({code}).",
        f"Reactivate {name} on its admin page if it may order again, {ADMIN_RETRY} "
        "Otherwise close the order.", code)


def retry_refusal(order: Order) -> str | None:
    """Why an admin's retry of the order is refused (K9: the company it is bought for is
    deactivated, so a retry would send it after all), with the fix; None when it stands."""
    found = deactivated(order)
    if found is None:
        return None
    code, company = found
    name = company.company_name
    return (f"Order {order.number} is not retried: {name} is deactivated by the provider, "
            f"so its orders are not sent to Partner Center ({code}). Reactivate {name} "
            "first, then retry the order.")
