"""K12 test data shared by the page and API tests: customer_a's Azure plan in Partner
Center (the sandbox creates its first Azure subscription with it) and mirrored here, and an
Azure reservation price."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from connectors.partner_center.sandbox import bulk, seed
from persistence import db
from subscriptions.models import Subscription
from tests.conftest import make_price, move_to

PLAN_ITEM = "DZH318Z0BPS6:0001:DZH318Z0BPS7"


def azure_plan_of(customer, pc_sandbox) -> tuple[Subscription, str]:
    """The customer's Azure plan and the id of its Azure subscription; the customer moves
    to Germany, the market of these prices (C7)."""
    move_to(customer, "DE")
    tenant = str(uuid.uuid4())
    with pc_sandbox.lock:
        bulk.add_customer(pc_sandbox, tenant, "alphagmbh.onmicrosoft.com", "Alpha GmbH",
                          reseller_tenant=seed.RESELLER_TENANT_ID, city="Berlin",
                          country="DE", postal_code="10117")
        record = bulk.add_subscription(pc_sandbox, tenant, bulk.Plan(PLAN_ITEM, "", "one_time", 1),
                                       1, seed.RESELLER_MPN_ID, datetime.now(UTC))
    price = make_price(title="Azure plan", product_id="DZH318Z0BPS6", family="azure_plan",
                       market="DE", currency="EUR", cost="0", erp="0", term="",
                       cycle="one_time")
    plan = Subscription(customer=customer, reseller_id=customer.reseller_id,
                        product=price.sku.product, tenant_id=tenant,
                        pc_subscription_id=record["wire"]["id"], title="Azure plan",
                        family="azure_plan", billing_cycle="one_time", quantity=1,
                        status="active", autorenew=False)
    db.session.add(plan)
    db.session.commit()
    (azure_sub,) = pc_sandbox.snapshot()["azure"]["entitlements"][plan.pc_subscription_id]
    return plan, azure_sub["id"]


def reservation_price():
    """A one-year Azure reserved VM instance, priced for Germany."""
    price = make_price(title="Reserved VM Instance, Dv3 Series", product_id="DZH318Z0BQ4V",
                       family="azure_reservation", market="DE", currency="EUR",
                       cost="1000", erp="1200", term="P1Y", cycle="one_time")
    db.session.commit()
    return price
