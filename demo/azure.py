"""The demo's Azure plan (K12): Northwind's customer Wingtip Toys holds an Azure plan with
one Azure subscription, so `make run` shows the plan and its subscription on Wingtip's
pages, and a reservation from the shop asks for its scope and that subscription.

The plan is recorded as provisioning leaves it (the demo does not call Partner Center for
it) on the tenant demo/billing.py bought on; the demo's sandbox learns the plan with the
other purchases (demo/reconciliation.py) and the Azure subscription from `into_sandbox`.
Stable ids, found again on a second load, which adds nothing.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select

from accounts.models import Customer
from catalog.models import Product
from connectors.partner_center.sandbox import Sandbox
from connectors.partner_center.sandbox.azure import add_azure_subscription, azure_state
from demo.billing import TENANT_ID, morning
from persistence import db
from subscriptions.models import Subscription

PLAN_PRODUCT = "DZH318Z0BPS6"
PC_PLAN_ID = str(uuid.uuid5(uuid.NAMESPACE_URL, "csp-storefront:demo:wingtiptoys:azure-plan"))
PC_ORDER_ID = str(uuid.uuid5(uuid.NAMESPACE_URL, "csp-storefront:demo:wingtiptoys:azure-order"))
AZURE_SUBSCRIPTION_ID = str(uuid.uuid5(uuid.NAMESPACE_URL,
                                       "csp-storefront:demo:wingtiptoys:azure-subscription"))
AZURE_SUBSCRIPTION_NAME = "Wingtip Toys production"


def load_azure_plan(buyer: Customer, today: date) -> int:
    """Wingtip's Azure plan, bought today (so no invoiced month holds it); returns 1 when
    added."""
    found = db.session.scalar(select(Subscription.id).filter_by(pc_subscription_id=PC_PLAN_ID))
    product = db.session.scalar(select(Product).filter_by(pc_product_id=PLAN_PRODUCT))
    if found is not None or product is None:
        return 0
    sku = product.skus[0]
    at = morning(today)
    db.session.add(Subscription(
        customer=buyer, reseller_id=buyer.reseller_id, product=product, tenant_id=TENANT_ID,
        pc_subscription_id=PC_PLAN_ID, pc_order_id=PC_ORDER_ID,
        offer_id=f"{PLAN_PRODUCT}:{sku.pc_sku_id}", pc_product_id=PLAN_PRODUCT,
        pc_sku_id=sku.pc_sku_id, partner_id=buyer.reseller.mpn_id if buyer.reseller else "",
        title=product.title, family=product.family, billing_cycle="one_time",
        term_duration="", quantity=1, status="active", autorenew=False, purchased_at=at,
        term_start=at))
    db.session.commit()
    return 1


def into_sandbox(sb: Sandbox) -> bool:
    """The plan's Azure subscription, with its stable id, in the demo's sandbox; True when
    added. The plan itself arrives as a purchase, under a placement that made a first
    Azure subscription of its own: that one is replaced."""
    with sb.lock:
        if PC_PLAN_ID not in sb.data["subscriptions"]:
            return False
        entitlements = azure_state(sb)["entitlements"]
        if any(e["id"] == AZURE_SUBSCRIPTION_ID for e in entitlements.get(PC_PLAN_ID, [])):
            return False
        for orphan in [k for k in entitlements if k not in sb.data["subscriptions"]]:
            del entitlements[orphan]  # the placement's plan id before the demo's replaced it
        entitlements[PC_PLAN_ID] = []
        add_azure_subscription(sb, PC_PLAN_ID, AZURE_SUBSCRIPTION_ID, AZURE_SUBSCRIPTION_NAME)
        sb.changed()
    return True
