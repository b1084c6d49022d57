"""Partner Center orders are matched to our lines by what they bought, never by position."""

from __future__ import annotations

import pytest

from connectors.partner_center.commerce_types import CartLineRequest
from provisioning.jobs import run_job
from tests.provisioning.conftest import crash_once_at
from tests.provisioning.factories import BUSINESS_STANDARD, make_order

MONTHLY_AND_ANNUAL = ((BUSINESS_STANDARD, 2, "P1M", "monthly"),
                      (BUSINESS_STANDARD, 5, "P1Y", "annual"))


@pytest.mark.parametrize("reversed_orders", [False, True])
def test_two_lines_of_one_sku_each_get_the_subscription_they_bought(
        pc_app, pc_client, pc_sandbox, reversed_orders):
    pc_sandbox.config.checkout_orders_reversed = reversed_orders
    order = make_order(lines=MONTHLY_AND_ANNUAL)
    run_job(order.id, pc_client)
    assert order.status == "provisioned"
    bought = []
    for line in order.lines:
        pc = pc_client.get_subscription(order.pc_customer_id, line.pc_subscription_id)
        bought.append((line.billing_cycle, line.quantity, pc.billing_cycle, pc.quantity))
    assert bought == [("monthly", 2, "monthly", 2), ("annual", 5, "annual", 5)]


def test_orders_that_cannot_be_told_apart_go_to_attention_instead_of_a_guess(
        pc_app, pc_client, pc_sandbox):
    order = make_order(lines=((BUSINESS_STANDARD, 3),))
    run_job(order.id, pc_client, checkpoint=crash_once_at("checkout"))
    pc_sandbox.data["idempotency"].clear()  # the replay is answered 800065: orders read back
    line = order.lines[0]
    twin = pc_client.list_availabilities(line.pc_product_id, line.pc_sku_id, "US")[0]
    # Meanwhile someone bought the very same seats in Partner Center's own portal.
    cart = pc_client.create_cart(order.pc_customer_id, [CartLineRequest(
        twin.catalog_item_id, 3, line.term_duration, line.billing_cycle,
        reseller_mpn_id=line.partner_of_record)])
    pc_client.checkout_cart(order.pc_customer_id, cart.id)
    assert run_job(order.id, pc_client) is None
    assert order.status == "needs_attention" and order.job.state == "attention"
    assert "cannot be told apart" in order.status_reason
    assert "which order and subscription belong to which line" in order.next_step
    assert (line.pc_order_id, line.status) == ("", "pending")
