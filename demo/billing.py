"""Demo billing: Northwind's customer Wingtip Toys bought 5 Microsoft 365 Business Standard
licenses on the 1st of this month; the month's billing run has issued Northwind's invoice.

Found by its order's idempotency key, so loading twice adds nothing; a later month's load
bills that month too (the renewal), as the monthly run would.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import select

from accounts.models import Customer, User
from billing.periods import month_of
from billing.runs import run_billing
from billing.tax import ensure_seeded
from catalog.models import Price, Product, Sku
from catalog.queries import buyer_price, markups_for
from orders.models import Order, OrderLine, OrderStatus
from persistence import db
from subscriptions.models import Subscription

KEY = "demo-billing-wingtip"
# Stable ids, so the demo's Microsoft (demo/reconciliation.py) bills the same subscription.
TENANT_ID = str(uuid.uuid5(uuid.NAMESPACE_URL, "csp-storefront:demo:wingtiptoys:tenant"))
PC_SUBSCRIPTION_ID = str(uuid.uuid5(uuid.NAMESPACE_URL, "csp-storefront:demo:wingtiptoys:m365"))
PC_ORDER_ID = str(uuid.uuid5(uuid.NAMESPACE_URL, "csp-storefront:demo:wingtiptoys:order"))
PRODUCT = "CFQ7TTC0LDPB"  # Microsoft 365 Business Standard
SEATS = 5


def load_billing(buyer: Customer, placed_by: User, today: date) -> int:
    """The demo purchase (once) and this month's billing run; returns invoices issued."""
    ensure_seeded()
    if db.session.scalar(select(Order.id).where(Order.idempotency_key == KEY)) is None:
        price = db.session.scalar(select(Price).join(Sku).join(Product).where(
            Product.pc_product_id == PRODUCT, Price.market == buyer.country,
            Price.term_duration == "P1M", Price.billing_cycle == "monthly"))
        if price is None:
            return 0
        _purchase(buyer, placed_by, price, today.replace(day=1))
    return run_billing(month_of(today), today).invoices_issued


def _purchase(buyer: Customer, placed_by: User, price: Price, day: date) -> None:
    """An order provisioned on `day` and the subscription it made, as provisioning leaves
    them (the demo does not call Partner Center for it)."""
    product = price.sku.product
    unit = buyer_price(price, product.id, markups_for(buyer.reseller_id))
    line = OrderLine(line_number=0, product=product, price=price,
                     pc_product_id=product.pc_product_id, pc_sku_id=price.sku.pc_sku_id,
                     title=product.title, family=product.family,
                     billing_cycle=price.billing_cycle, term_duration=price.term_duration,
                     quantity=SEATS, unit_price=unit, currency=price.currency,
                     status="provisioned", pc_order_id=PC_ORDER_ID,
                     pc_subscription_id=PC_SUBSCRIPTION_ID,
                     partner_of_record=buyer.reseller.mpn_id if buyer.reseller else "")
    at = datetime(day.year, day.month, day.day, 9, tzinfo=UTC)
    order = Order(idempotency_key=KEY, customer=buyer, reseller_id=buyer.reseller_id,
                  placed_by=placed_by, currency=price.currency, total=unit * SEATS,
                  lines=[line], created_at=at, pc_customer_id=TENANT_ID)
    order.record(OrderStatus.PROVISIONED, "Demo purchase.")
    db.session.add(order)
    db.session.flush()
    order.number = f"ORD-{order.id:06d}"
    db.session.add(Subscription(
        customer=buyer, reseller_id=buyer.reseller_id, product=product, order_line_id=line.id,
        tenant_id=TENANT_ID, pc_subscription_id=PC_SUBSCRIPTION_ID, pc_order_id=PC_ORDER_ID,
        offer_id=f"{product.pc_product_id}:{price.sku.pc_sku_id}",
        pc_product_id=product.pc_product_id, pc_sku_id=price.sku.pc_sku_id,
        partner_id=line.partner_of_record, title=product.title, family=product.family,
        billing_cycle=price.billing_cycle, term_duration=price.term_duration, quantity=SEATS,
        status="active", purchased_at=at, term_start=at))
    db.session.commit()
