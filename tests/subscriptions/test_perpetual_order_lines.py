"""S6 for a perpetual licence mirrored before its order line was kept: cancelling it reads
its Partner Center order and names only its own line (matched by subscription id, or by
offer on a line naming none), never every line of the order; with no such line nothing is
sent (an order PATCH naming no line cancels the whole order)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from connectors.partner_center import CartLineRequest
from connectors.partner_center.sandbox import seed
from persistence import db
from subscriptions import services
from subscriptions.errors import SubscriptionRefused
from subscriptions.models import Subscription
from tests.conftest import login, make_order, make_price
from tests.subscriptions.conftest import WINDOWS_SERVER, confirm_cancel

AZURE_PLAN = ("DZH318Z0BPS6", "0001")
BOUGHT = datetime(2026, 3, 2, 12, tzinfo=UTC)


@pytest.fixture
def bought(world, pc_client, tenant):
    """Windows Server and an Azure plan bought in one cart (one one_time order); only
    Windows Server mirrored, as an older row without its order line number."""
    return _bought_together(world, pc_client, tenant, (WINDOWS_SERVER, AZURE_PLAN))


def _bought_together(world, pc_client, tenant, products):
    with time_machine.travel(BOUGHT, tick=False):
        lines = [CartLineRequest(pc_client.list_availabilities(*product, "US")[0]
                                 .catalog_item_id, 1, "", "one_time",
                                 reseller_mpn_id=seed.RESELLER_MPN_ID)
                 for product in products]
        cart = pc_client.create_cart(tenant, lines)
        (order,) = pc_client.checkout_cart(tenant, cart.id).orders
        pc_client.get_order(tenant, order.id)  # completes it in the sandbox
        remotes = {r.offer_id.split(":")[0]: r
                   for r in pc_client.list_subscriptions(tenant, order_id=order.id)}
    price = make_price(title="Windows Server", product_id=WINDOWS_SERVER[0], term="",
                       cycle="one_time", family="perpetual_software", cost="1069.00",
                       erp="1200.00")
    ws = remotes[WINDOWS_SERVER[0]]
    sub = Subscription(
        customer=world.customer_a, reseller=world.reseller_a, product=price.sku.product,
        order_line_id=make_order(world.customer_a, world.reseller_a_user, price, 1)
        .lines[0].id, tenant_id=tenant, pc_subscription_id=ws.id, pc_order_id=order.id,
        offer_id=ws.offer_id, pc_product_id=WINDOWS_SERVER[0], pc_sku_id=WINDOWS_SERVER[1],
        title="Windows Server", family="perpetual_software", billing_cycle="one_time",
        term_duration="", quantity=1, status="active", autorenew=False,
        purchased_at=ws.created, term_start=ws.created, term_end=None)
    world.reseller_a_user.admin_agent = True
    db.session.add(sub)
    db.session.commit()
    return sub, remotes[AZURE_PLAN[0]]


def _order_patches(pc_responses) -> list:
    return [c for c in pc_responses.calls
            if c.request.method == "PATCH" and "/orders/" in c.request.url]


def test_s6_an_older_row_cancels_only_its_own_line_found_by_subscription_id(
        bought, world, pc_client, pc_sandbox):
    sub, plan = bought
    with time_machine.travel(BOUGHT, tick=False):
        services.cancel(sub, world.reseller_a_user, pc_client)
        order = pc_client.get_order(sub.tenant_id, sub.pc_order_id)
    assert pc_sandbox.data["subscriptions"][plan.id]["wire"]["status"] == "active"
    line = next(ln for ln in order.lines if ln.subscription_id == sub.pc_subscription_id)
    assert (line.quantity, sub.status) == (0, "cancelled")
    assert sub.pc_line_item_number == line.line_item_number  # kept for next time


def test_s6_a_row_whose_line_cannot_be_told_is_refused_and_nothing_is_sent(
        bought, world, pc_client, pc_sandbox, pc_responses):
    sub, plan = bought
    sub.pc_subscription_id = "not-a-line-of-this-order"
    db.session.commit()
    with time_machine.travel(BOUGHT, tick=False), pytest.raises(SubscriptionRefused) as refused:
        services.cancel(sub, world.reseller_a_user, pc_client)
    assert refused.value.code == "S6.order_line_unknown"
    assert _order_patches(pc_responses) == [] and sub.status == "active"
    assert pc_sandbox.data["subscriptions"][plan.id]["wire"]["status"] == "active"


def test_s6_the_licence_is_cancelled_by_its_own_line_when_the_azure_plan_is_line_0(
        world, pc_client, pc_sandbox, tenant):
    # Partner Center judges the line an order PATCH names, not the order's first line.
    sub, plan = _bought_together(world, pc_client, tenant, (AZURE_PLAN, WINDOWS_SERVER))
    with time_machine.travel(BOUGHT, tick=False):
        services.cancel(sub, world.reseller_a_user, pc_client)
    assert pc_sandbox.data["subscriptions"][sub.pc_subscription_id]["wire"]["status"] == (
        "deleted")
    assert pc_sandbox.data["subscriptions"][plan.id]["wire"]["status"] == "active"
    assert sub.status == "cancelled"


def test_s6_partner_center_refusing_the_line_named_tells_the_buyer_and_cancels_nothing(
        bought, world, client, pc_client, pc_sandbox):
    # A row recorded with the Azure plan's line: Partner Center refuses an order PATCH
    # cancelling an Azure plan (800063); the page says so under S6, never a 500.
    sub, plan = bought
    order = pc_client.get_order(sub.tenant_id, sub.pc_order_id)
    sub.pc_line_item_number = next(ln.line_item_number for ln in order.lines
                                   if ln.subscription_id == plan.id)
    db.session.commit()
    with time_machine.travel(BOUGHT, tick=False):
        login(client, world.reseller_a_user)
        response = confirm_cancel(client, sub.id)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "S6.not_cancellable_by_order" in page and "Nothing was cancelled" in page
    assert "within 30 days of purchase (S6)" in page
    assert pc_sandbox.data["subscriptions"][plan.id]["wire"]["status"] == "active"
    assert db.session.get(Subscription, sub.id).status == "active"
