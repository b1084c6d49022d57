"""Cancelling purchases with an order PATCH, judged line by line.

cancel-software-purchases: a PATCH {status: cancelled, lineItems} cancels the lines it
names (quantity 0), and the order stays `completed` until every line is cancelled; the
integration sandbox's form (cancel-an-order-from-the-integration-sandbox) names no line and
cancels the whole order. Each line is judged by its own purchase, never by the order's
first line, as one one_time order may hold perpetual software, a reservation and the Azure
plan: perpetual software 30 days from the purchase, a reservation the integration
sandbox's 60, a software subscription its own refund window (none, as Red Hat's: 800061).
New commerce and the Azure plan are cancelled by subscription only (that page's table:
"Azure plan | N | Y | N | Y"): 800063. One line refused refuses the PATCH; nothing is
cancelled. Documented codes and texts: tests/fixtures/partner_center/documented/
cancel_order.json.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from connectors.partner_center import wire
from connectors.partner_center.sandbox import billing, orders
from connectors.partner_center.sandbox.customers import Answer
from connectors.partner_center.sandbox.errors import bad_request
from connectors.partner_center.sandbox.state import Sandbox

CANCEL_BY_ORDER_DAYS = {"perpetual": 30, "reservation": 60}


def _purchase(sb: Sandbox, record: dict[str, Any], number: int) -> tuple[str, int | None]:
    """The kind of a line's purchase and its refund window in hours (None: none)."""
    found = sb.data["subscriptions"].get(record["subscriptionIds"][number])
    if found is None:  # an order from before October 2021: its subscriptions are not listed
        return record["kind"], None
    return found["kind"], found["cancelWindowHours"]


def _window_days(sb: Sandbox, record: dict[str, Any], number: int) -> int:
    """Days from the purchase an order PATCH may cancel this line, or its refusal."""
    kind, hours = _purchase(sb, record, number)
    if kind in CANCEL_BY_ORDER_DAYS:
        return CANCEL_BY_ORDER_DAYS[kind]
    if kind != "software":
        raise bad_request(800063, f"This order {record['wire']['id']} can't be canceled. "
                                  f"Use PATCH /customers/{record['customerId']}/subscriptions/"
                                  "<subscriptionId> to suspend subscriptions")
    if not hours:
        raise bad_request(800061, "Order can't be canceled")
    return hours // 24


def _refuse_any_closed(sb: Sandbox, record: dict[str, Any], numbers: list[int]) -> None:
    """Refuse the PATCH at the first line it may not cancel now ("within the cancellation
    window from the purchase date", cancel-software-purchases)."""
    bought = wire.timestamp(record["wire"], "creationDate")
    for number in numbers:
        days = _window_days(sb, record, number)
        if sb.now() - bought > timedelta(days=days):
            raise bad_request(900117, f"You have passed your {days}-day cancellation window. "
                                      "We are unable to cancel your purchase")


def _lines_to_cancel(record: dict[str, Any], body: dict[str, Any]) -> list[int]:
    """The line numbers a PATCH names; none named cancels the whole order."""
    count = len(record["wire"]["lineItems"])
    named = [wire.get(li, "lineItemNumber") for li in wire.items(body, "lineItems")]
    if any(not isinstance(n, int) or not 0 <= n < count for n in named):
        raise bad_request(2000, "lineItemNumber does not name a line of this order.")
    return named or list(range(count))


def _delete(sb: Sandbox, subscription: dict[str, Any] | None) -> None:
    """A cancelled line's subscription is deleted (once refunded: Microsoft credits it);
    an order from before October 2021 has none listed."""
    if subscription is None:
        return
    if subscription["wire"]["status"] != "deleted":
        billing.record_cancel(sb, subscription)
    subscription["wire"] |= {"status": "deleted", "autoRenewEnabled": False}


def cancel(sb: Sandbox, tenant_id: str, order_id: str, body: dict[str, Any]) -> Answer:
    """PATCH {c}/orders/{id}: named lines stay with quantity 0 and the order stays
    `completed` until every line is cancelled; without lines the whole order turns
    `cancelled` (the integration-sandbox form)."""
    record = orders.stored(sb, tenant_id, order_id)
    if wire.text(body, "status").lower() != "cancelled":
        raise bad_request(2000, "Only status 'cancelled' can be set on an order.")
    numbers = _lines_to_cancel(record, body)
    _refuse_any_closed(sb, record, numbers)
    order, by_line = record["wire"], bool(wire.items(body, "lineItems"))
    for number in numbers:
        if by_line:
            order["lineItems"][number]["quantity"] = 0
        _delete(sb, sb.data["subscriptions"].get(record["subscriptionIds"][number]))
    if not by_line or all(li["quantity"] == 0 for li in order["lineItems"]):
        order["status"] = "cancelled"
    return 200, orders.shown(sb, record)
