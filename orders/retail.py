"""What a reseller's end customer is shown: the retail price its reseller invoices it (B1).

The provider bills a reseller its price (cost plus the reseller's markup): an order line
records that as its unit price whoever placed the order, the reseller or a user of its
customer. The reseller invoices its customer the retail price of the line's catalog price
(the provider's own price, else Microsoft's ERP), which billing re-invoices each charge at
(billing/billed.py, billing/reinvoice.py). So a user of a reseller's customer sees only that
retail price, on the cart, its orders and the API, never the reseller's price or cost; the
reseller's own users and the provider see the reseller's price as before, and a direct
customer's price is retail already.
"""

from __future__ import annotations

from decimal import Decimal

from persistence.money import charge_amount


def sees_retail(user, reseller_id: int | None) -> bool:
    """True for a customer's user looking at what its reseller sells it: retail only."""
    return bool(user.is_customer and reseller_id is not None)


def unit(price) -> Decimal:
    """The retail price per license of a catalog price, as the re-invoice charges it."""
    return Decimal(price.sell_price)


def line_amount(line, retail: bool) -> Decimal:
    """An order line's amount as its viewer is invoiced it (B5: one rounding per line)."""
    if not retail:
        return line.amount
    return charge_amount(unit(line.price), line.quantity, line.currency)


def order_total(order, retail: bool) -> Decimal:
    """An order's total as its viewer is invoiced it: its lines' amounts summed."""
    if not retail:
        return order.total
    return sum((line_amount(line, True) for line in order.lines), Decimal(0))
