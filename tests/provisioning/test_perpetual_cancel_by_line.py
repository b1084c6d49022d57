"""S6 against the sandbox: perpetual software shares its Partner Center order with the
cart's other one_time purchases (an Azure plan), so it is cancelled by its own line: the
order PATCH names only that line (cancel-software-purchases), the rest of the order stays
bought in Partner Center and here, and only the cancelled line is credited (B3)."""

from __future__ import annotations

import json
from decimal import Decimal

from sqlalchemy import select

from persistence import db
from provisioning.jobs import run_job
from subscriptions import services
from subscriptions.models import Subscription, SubscriptionEvent
from subscriptions.sync import sync_customer
from tests.provisioning.factories import AZURE_PLAN, make_order, reseller_user

WINDOWS_SERVER = ("DG7GMGF0DWMS", "0006", "Windows Server 2022 Standard - 16 Core License Pack",
                  "perpetual_software")


def _bought_together(pc_client):
    """Windows Server and an Azure plan in one cart, provisioned; an admin agent's user."""
    user = reseller_user()
    user.admin_agent = True
    order = make_order(user, lines=((WINDOWS_SERVER, 1, "", "one_time"),
                                    (AZURE_PLAN, 1, "", "one_time")))
    run_job(order.id, pc_client)
    assert order.status == "provisioned", order.status_reason
    subs = {s.family: s for s in db.session.scalars(
        select(Subscription).filter_by(customer_id=order.customer_id))}
    return user, order, subs["perpetual_software"], subs["azure_plan"]


def test_s6_provisioning_keeps_the_order_line_of_perpetual_software(pc_app, pc_client):
    _user, _order, windows, plan = _bought_together(pc_client)
    assert windows.pc_order_id == plan.pc_order_id  # one one_time order for the cart
    pc_order = pc_client.get_order(windows.tenant_id, windows.pc_order_id)
    (line,) = [ln for ln in pc_order.lines if ln.subscription_id == windows.pc_subscription_id]
    assert windows.pc_line_item_number == line.line_item_number


def test_s6_cancelling_perpetual_software_leaves_the_azure_plan_bought_with_it(
        pc_app, pc_client, pc_responses):
    user, order, windows, plan = _bought_together(pc_client)
    quote = services.cancel(windows, user, pc_client)
    (sent,) = [json.loads(c.request.body) for c in pc_responses.calls
               if c.request.method == "PATCH" and "/orders/" in c.request.url]
    assert [li["lineItemNumber"] for li in sent["lineItems"]] == [windows.pc_line_item_number]
    assert pc_client.get_subscription(plan.tenant_id, plan.pc_subscription_id).status == \
        "active"
    sync_customer(order.customer, pc_client)  # what Partner Center says now, mirrored
    db.session.commit()
    assert (windows.status, plan.status) == ("cancelled", "active")
    # B3: the credit is Windows Server's price, in full (S6), and nothing for the plan
    cancels = db.session.scalars(select(SubscriptionEvent).filter_by(kind="cancel")).all()
    assert [(e.subscription_id, e.data["amount"]) for e in cancels] == [(windows.id, "10.00")]
    assert quote.amount == Decimal("10.00")
