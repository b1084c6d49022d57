"""Demo billing: Northwind's customer Wingtip Toys bought 5 Microsoft 365 Business Standard
licenses (monthly) on the 1st of the latest month Microsoft has already invoiced, and the
monthly runs from then to this month have issued Northwind's invoices.

Why that month: Microsoft publishes a month's invoice and reconciliation data on the 6th–8th
of the next month (billing.periods.MICROSOFT_INVOICE_DAY, as the sandbox's
billing_invoice_day), so a purchase made this month could not be reconciled until then;
dated in an invoiced month, the demo's reconciliation page shows the planted mismatch
(demo/reconciliation.py) at once.

Found by its order's idempotency key, so loading twice adds nothing; a later load bills the
months no run has billed yet (the renewals), as the monthly run would. A month already run
is not run again: every `make run` loads the demo, and each start added a run of nothing
to the admin's billing page, as if the schedule had run.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import select

from accounts.models import Customer, User
from billing.models import BillingRun
from billing.periods import latest_invoiced, month_of
from billing.runs import run_billing
from billing.tax import ensure_seeded
from catalog.models import Price, Product, Sku
from catalog.queries import buyer_price, markups_for
from connectors.partner_center.commerce_types import Subscription as RemoteSubscription
from connectors.partner_center.commerce_types import term_end_of
from connectors.partner_center.sandbox.terms import last_day
from orders.models import Order, OrderLine, OrderStatus
from persistence import as_utc, db
from persistence.money import add_months
from subscriptions.mirror import mirror
from subscriptions.models import Subscription
from subscriptions.rules import CANCEL_WINDOW, TERM_MONTHS

KEY = "demo-billing-wingtip"
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
    bought = latest_invoiced(today)
    if db.session.scalar(select(Order.id).where(Order.idempotency_key == KEY)) is None:
        price = db.session.scalar(select(Price).join(Sku).join(Product).where(
            Product.pc_product_id == PRODUCT, Price.market == buyer.country,
            Price.term_duration == "P1M", Price.billing_cycle == "monthly"))
        if price is None:
            return 0
        _purchase(buyer, placed_by, price, bought)
    renew_to(db.session.scalar(select(Subscription).filter_by(
        pc_subscription_id=PC_SUBSCRIPTION_ID)), morning(today))
    db.session.commit()
    billed = set(db.session.scalars(select(BillingRun.month)))
    month, issued = bought, 0
    while month <= today:
        if month_of(month) not in billed:
            issued += run_billing(month_of(month), today).invoices_issued
        month = add_months(month, 1)
    return issued


def renew_to(sub: Subscription | None, now: datetime) -> None:
    """The renewals of a termed plan up to `now`, each as the hourly subscription sync
    records it when Partner Center's commitment end moves on (subscriptions/sync.py: the
    new term's start, its price for billing, its S3 window): loaded without them, the demo's
    monthly plan showed its first term, long over, as the current one."""
    if sub is None or sub.term_duration not in TERM_MONTHS or not sub.autorenew:
        return
    while sub.term_end is not None and as_utc(sub.term_end) <= now:
        ended = as_utc(sub.term_end)
        changes = mirror(sub, RemoteSubscription(
            id=sub.pc_subscription_id, offer_id=sub.offer_id, offer_name=sub.title,
            friendly_name=sub.title, quantity=sub.quantity, status="active",
            auto_renew_enabled=True, billing_cycle=sub.billing_cycle,
            term_duration=sub.term_duration, order_id=sub.pc_order_id,
            partner_id=sub.partner_id, created=as_utc(sub.purchased_at),
            # Partner Center's answer: the new term's last day, inclusive (sandbox/terms.py).
            commitment_end=last_day(ended, sub.term_duration),
            term_end=term_end_of(last_day(ended, sub.term_duration)),
            cancellation_allowed_until=ended + CANCEL_WINDOW, etag=""))
        event = sub.record("synced", "Changed in Partner Center: " + "; ".join(changes) + ".")
        event.at = ended  # when the sync would have seen it
        sub.synced_at = None  # the demo's own record: no sync has read Partner Center


def morning(day: date) -> datetime:
    """When the demo's purchases of `day` were made: 09:00 UTC, or now when the demo is
    loaded before then (a purchase shown in the future, with its history before it, was
    what a demo loaded at night showed)."""
    return min(datetime(day.year, day.month, day.day, 9, tzinfo=UTC), datetime.now(UTC))


def _purchase(buyer: Customer, placed_by: User, price: Price, day: date) -> None:
    """Wingtip's Microsoft 365 order, provisioned on `day`."""
    at = morning(day)
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
    order.events[-1].at = at  # its history at the purchase, not at the demo's loading
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
        purchased_at=at, term_start=at, term_end=_first_term_end(price, at),
        cancellation_allowed_until=at + CANCEL_WINDOW if price.term_duration else None)
    db.session.add(subscription)
    return subscription


def _first_term_end(price: Price, at: datetime) -> datetime | None:
    """The first term's end as provisioning records it (provisioning/results.py): 00:00 UTC
    after the last day the sandbox answers as commitmentEndDate; none for a one-time
    purchase."""
    if price.term_duration not in TERM_MONTHS:
        return None
    return term_end_of(last_day(at, price.term_duration))
