"""A known world for the dashboard and list tests: subscriptions bought on order lines at
known prices, in two currencies, for two resellers."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from orders.models import Order
from persistence import db
from subscriptions.models import Subscription
from tests.conftest import make_order, make_price


def annual_eur_price():
    """An annual plan in EUR: cost 100, Microsoft's retail 150, the provider's retail 144."""
    price = make_price(title="Dynamics 365 Sales", product_id="CFQ7TTC0EUR1", market="DE",
                       currency="EUR", cost="100.00", erp="150.00", term="P1Y",
                       cycle="annual")
    price.retail_price = Decimal("144.00")
    db.session.flush()
    return price


def bought(order: Order, *, unit_price: str | None = None, quantity: int = 1,
           status: str = "active", term_start: datetime | None = None,
           term_end: datetime | None = None, autorenew: bool = True) -> Subscription:
    """The subscription an order's only line created, at that line's unit price."""
    line = order.lines[0]
    line.quantity = quantity
    if unit_price is not None:
        line.unit_price = Decimal(unit_price)
    product = line.price.sku.product
    sub = Subscription(customer=order.customer, reseller_id=order.customer.reseller_id,
                       product=product, order_line_id=line.id, title=line.title,
                       family=line.family, billing_cycle=line.billing_cycle,
                       term_duration=line.term_duration, quantity=quantity, status=status,
                       pc_product_id=line.pc_product_id, pc_sku_id=line.pc_sku_id,
                       term_start=term_start, term_end=term_end, autorenew=autorenew)
    if term_start is not None:
        sub.purchased_at = term_start
    db.session.add(sub)
    db.session.flush()
    return sub


def another_order(customer, user, price, n: int) -> Order:
    """A further order (make_order's key names customer, user, price and quantity)."""
    return make_order(customer, user, price, quantity=100 + n)
