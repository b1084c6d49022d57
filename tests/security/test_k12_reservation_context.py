"""Finding (#25, rule K12): Azure reservations were sent to Partner Center without their
provisioning context, so a real reservation order would fail. The cart line as the old
code built it (no provisioningContext) is refused by Partner Center (the sandbox follows
create-a-cart / purchase-azure-reservations: error 10010, [inferred]); the order as the
storefront now provisions it carries the scope and the Azure subscription, after the
Azure plan is registered, and is provisioned."""

from __future__ import annotations

from connectors.partner_center import CartLineRequest
from orders.models import Order
from persistence import db
from provisioning.jobs import run_job
from subscriptions.azure_plan import azure_plan_view
from tests.provisioning.factories import (
    AZURE_PLAN,
    RESERVATION,
    customer,
    make_order,
    reseller_user,
)


def _buyer_with_azure_plan(pc_client):
    user = reseller_user()
    buyer = customer(user)
    run_job(make_order(user, buyer, lines=((AZURE_PLAN, 1, "", "one_time"),)).id, pc_client)
    (azure_sub,) = azure_plan_view(buyer.id, pc_client).active_subscriptions
    return user, buyer, azure_sub.id


def test_k12_the_reservation_line_the_old_code_sent_is_refused_by_partner_center(
        app, pc_client):
    _user, buyer, _azure_sub = _buyer_with_azure_plan(pc_client)
    (item,) = pc_client.list_availabilities(RESERVATION[0], RESERVATION[1], "DE")
    old_line = CartLineRequest(item.catalog_item_id, 1, "P1Y", "one_time")
    (line,) = pc_client.create_cart(buyer.tenant_id, [old_line]).lines
    assert line.error is not None and line.error.code == "10010"


def test_k12_a_reservation_is_provisioned_with_its_scope_and_azure_subscription(
        app, pc_client, pc_sandbox):
    user, buyer, azure_sub = _buyer_with_azure_plan(pc_client)
    order = make_order(user, buyer, lines=((RESERVATION, 1, "P1Y", "one_time"),))
    order.lines[0].reservation_scope, order.lines[0].azure_subscription_id = "shared", azure_sub
    db.session.commit()
    run_job(order.id, pc_client)
    order = db.session.get(Order, order.id)
    assert order.status == "provisioned", order.status_reason
    placed = pc_sandbox.snapshot()["orders"][order.lines[0].pc_order_id]["wire"]
    assert placed["lineItems"][0]["provisioningContext"] == {"subscriptionId": azure_sub,
                                                             "scope": "shared"}
