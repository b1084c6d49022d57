"""Demo billing: Northwind's customer Wingtip Toys bought 5 Microsoft 365 Business Standard
licenses (monthly) on the 1st of the latest month Microsoft has already invoiced, and the
monthly runs from then to this month have issued Northwind's invoices.

Why that month: Microsoft publishes a month's invoice and reconciliation data on the 6th–8th
of the next month (the sandbox on MICROSOFT_INVOICE_DAY), so a purchase made this month
could not be reconciled until then; dated in an invoiced month, the demo's reconciliation
page shows the planted mismatch (demo/reconciliation.py) at once.

Found by its order's idempotency key, so loading twice adds nothing; a later load bills the
months since (the renewals), as the monthly run would.
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
from persistence.money import add_months
from subscriptions.models import Subscription

KEY = "demo-billing-wingtip"
MICROSOFT_INVOICE_DAY = 8  # the sandbox's billing_invoice_day: a month's invoice appears then
# Stable ids, so the demo's Microsoft (demo/reconciliation.py) bills the same subscription.
TENANT_ID = str(uuid.uuid5(uuid.NAMESPACE_URL, "csp-storefront:demo:wingtiptoys:tenant"))
PC_SUBSCRIPTION_ID = str(uuid.uuid5(uuid.NAMESPACE_URL, "csp-storefront:demo:wingtiptoys:m365"))
PC_ORDER_ID = str(uuid.uuid5(uuid.NAMESPACE_URL, "csp-storefront:demo:wingtiptoys:order"))
PRODUCT = "CFQ7TTC0LDPB"  # Microsoft 365 Business Standard
SEATS = 5


def load_billing(buyer: Customer, placed_by: User, today: date) -> int:
    """The demo purchase (once) and the billing runs from its month to this one; returns
    the invoices issued."""
    ensure_seeded()
    bought = invoiced_month(today)
    if db.session.scalar(select(Order.id).where(Order.idempotency_key == KEY)) is None:
        price = db.session.scalar(select(Price).join(Sku).join(Product).where(
            Product.pc_product_id == PRODUCT, Price.market == buyer.country,
            Price.term_duration == "P1M", Price.billing_cycle == "monthly"))
        if price is None:
            return 0
        _purchase(buyer, placed_by, price, bought)
    month, issued = bought, 0
    while month <= today:
        issued += run_billing(month_of(month), today).invoices_issued
        month = add_months(month, 1)
    return issued


def invoiced_month(today: date) -> date:
    """The first day of the latest month whose Microsoft invoice is out by `today`."""
    back = 1 if today.day >= MICROSOFT_INVOICE_DAY else 2
    return add_months(today.replace(day=1), -back)


def _purchase(buyer: Customer, placed_by: User, price: Price, day: date) -> None:
    """Wingtip's Microsoft 365 order, provisioned on `day`."""
    at = datetime(day.year, day.month, day.day, 9, tzinfo=UTC)
    record_purchase(buyer, placed_by, price, SEATS, at,
                    ids=(KEY, PC_ORDER_ID, PC_SUBSCRIPTION_ID))
    # As provisioning.steps.ensure_customer leaves a customer whose tenant it created: the
    # demo's later orders for Wingtip go to that tenant instead of creating its domain anew.
    buyer.tenant_id, buyer.tenant_mode = TENANT_ID, "existing"
    buyer.tenant_domain = f"{buyer.domain_prefix}.onmicrosoft.com"
    buyer.verify_tenant("created", at)
    db.session.commit()


def record_purchase(buyer: Customer, placed_by: User, price: Price, quantity: int,
                    at: datetime, *, ids: tuple[str, str, str]) -> Subscription:
    """An order provisioned into the demo tenant at `at`, its one line and the subscription
    it made, as provisioning leaves them (the demo does not call Partner Center for them);
    `ids` are the order's idempotency key and its Partner Center order and subscription ids.
    The caller commits."""
    key, pc_order_id, pc_subscription_id = ids
    product, sku = price.sku.product, price.sku
    unit = buyer_price(price, product.id, markups_for(buyer.reseller_id))
    partner = buyer.reseller.mpn_id if buyer.reseller else ""
    line = OrderLine(line_number=0, product=product, price=price,
                     pc_product_id=product.pc_product_id, pc_sku_id=sku.pc_sku_id,
                     title=product.title, family=product.family,
                     billing_cycle=price.billing_cycle, term_duration=price.term_duration,
                     quantity=quantity, unit_price=unit, currency=price.currency,
                     status="provisioned", pc_order_id=pc_order_id,
                     pc_subscription_id=pc_subscription_id, partner_of_record=partner)
    order = Order(idempotency_key=key, customer=buyer, reseller_id=buyer.reseller_id,
                  placed_by=placed_by, currency=price.currency, total=unit * quantity,
                  lines=[line], created_at=at, pc_customer_id=TENANT_ID)
    order.record(OrderStatus.PROVISIONED, "Demo purchase.")
    db.session.add(order)
    db.session.flush()
    subscription = Subscription(
        customer=buyer, reseller_id=buyer.reseller_id, product=product, order_line_id=line.id,
        tenant_id=TENANT_ID, pc_subscription_id=pc_subscription_id, pc_order_id=pc_order_id,
        offer_id=f"{product.pc_product_id}:{sku.pc_sku_id}",
        pc_product_id=product.pc_product_id, pc_sku_id=sku.pc_sku_id, partner_id=partner,
        title=product.title, family=product.family, billing_cycle=price.billing_cycle,
        term_duration=price.term_duration, quantity=quantity, status="active",
        autorenew=price.billing_cycle != "one_time",  # one-time purchases never renew
        purchased_at=at, term_start=at)
    db.session.add(subscription)
    return subscription
