"""A stored cart Partner Center no longer has (404/800008): an order that bought its lines
is adopted only when it surely is the lost cart's (provisioning/lost_carts.py); whatever
is left in doubt goes to a person, and nothing is bought twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine

from connectors.partner_center.commerce_types import CartLineRequest
from persistence import db
from provisioning.jobs import requeue, run_job
from tests.checkout.factories import URLS
from tests.provisioning.factories import BUSINESS_STANDARD, E3, _confirm_mca, make_order
from tests.provisioning.test_stale_carts import carts, forget_cart

PLACED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ADMIN = "admin@provider.example"
E3_SEATS = ((E3, 3, "P1Y", "annual"),)  # several subscriptions of it may be held at once


def buy_like(client, order, line) -> str:
    """Someone buys what `line` asks for, for the same tenant, in Partner Center's portal."""
    item = client.list_availabilities(line.pc_product_id, line.pc_sku_id, "US")[0]
    cart = client.create_cart(order.pc_customer_id, [CartLineRequest(
        item.catalog_item_id, line.quantity, line.term_duration, line.billing_cycle,
        reseller_mpn_id=line.partner_of_record)])
    return client.checkout_cart(order.pc_customer_id, cart.id).orders[0].id


def lose_the_cart(sandbox, meanwhile=lambda: None):
    """A checkpoint: once the order's cart is made, `meanwhile` runs (orders made in Partner
    Center in between) and Partner Center then loses the cart, which answers 404/800008."""
    done: list[str] = []

    def checkpoint(name: str) -> None:
        if name == "cart" and not done:
            done.append(name)
            meanwhile()
            for cart_id, cart in list(sandbox.data["carts"].items()):
                if cart["wire"]["status"] == "Active":
                    forget_cart(sandbox, cart_id)

    return checkpoint


def test_an_order_that_bought_some_of_a_lost_carts_lines_is_adopted_and_the_rest_wait_for_a_person(
        pc_app, pc_client, pc_sandbox):
    order = make_order(lines=((BUSINESS_STANDARD, 3), (E3, 2, "P1Y", "annual")))
    monthly, annual = order.lines
    bought: list[str] = []
    run_job(order.id, pc_client, checkpoint=lose_the_cart(
        pc_sandbox, lambda: bought.append(buy_like(pc_client, order, monthly))))
    assert order.status == "needs_attention"
    assert (monthly.pc_order_id, monthly.status) == (bought[0], "ordered")
    assert (annual.pc_order_id, annual.status) == ("", "pending")
    assert f"order(s) {bought[0]} bought" in order.status_reason
    assert "line(s) 2 were bought too" in order.status_reason  # the line left in doubt
    assert pc_sandbox.count("orders") == 1 and carts(pc_sandbox) == ["Ordered"]  # the portal's


def test_two_orders_fitting_the_same_line_of_a_lost_cart_are_not_guessed_between(
        pc_app, pc_client, pc_sandbox):
    order = make_order(lines=E3_SEATS)
    line = order.lines[0]
    bought: list[str] = []
    run_job(order.id, pc_client, checkpoint=lose_the_cart(pc_sandbox, lambda: bought.extend(
        buy_like(pc_client, order, line) for _ in range(2))))
    assert order.status == "needs_attention"
    assert f"orders {bought[0]} and {bought[1]} both fit line 1" in order.status_reason
    assert "retrying meets the same tie" in order.next_step
    assert (line.pc_order_id, line.status) == ("", "pending")  # neither taken
    assert pc_sandbox.count("orders") == 2  # nothing bought by the order itself


def test_an_order_made_before_the_order_was_placed_is_never_adopted_for_a_lost_cart(
        pc_app, pc_client, pc_sandbox):
    with time_machine.travel(PLACED, tick=False) as clock:
        first = make_order(lines=E3_SEATS)
        run_job(first.id, pc_client)
        clock.move_to(PLACED + timedelta(hours=1))
        earlier = buy_like(pc_client, first, first.lines[0])  # unclaimed, but too early
        clock.move_to(PLACED + timedelta(hours=2))
        order = make_order(first.placed_by, first.customer, lines=E3_SEATS)
        run_job(order.id, pc_client, checkpoint=lose_the_cart(pc_sandbox))
    assert order.status == "provisioned", order.status_reason
    assert order.lines[0].pc_order_id not in ("", earlier, first.lines[0].pc_order_id)
    assert pc_sandbox.count("orders") == 3  # the rebuilt cart bought the line once


def test_an_order_another_order_line_claims_is_never_adopted_for_a_lost_cart(
        pc_app, pc_client, pc_sandbox):
    with time_machine.travel(PLACED, tick=False) as clock:
        order = make_order(lines=E3_SEATS, mca=False)
        run_job(order.id, pc_client)
        assert order.status == "needs_attention" and "13605" in order.status_reason
        clock.move_to(PLACED + timedelta(hours=1))
        # The same seats, ordered later by another order, which claims what it bought.
        sibling = make_order(order.placed_by, order.customer, lines=E3_SEATS)
        run_job(sibling.id, pc_client)
        claimed = sibling.lines[0].pc_order_id
        forget_cart(pc_sandbox, order.pc_cart_id)
        order.mca_acceptance_id = _confirm_mca(order.customer, order.placed_by).id
        db.session.commit()
        requeue(order, ADMIN, client=pc_client, urls=URLS)
        run_job(order.id, pc_client)
    assert sibling.status == order.status == "provisioned", order.status_reason
    assert claimed and order.lines[0].pc_order_id not in ("", claimed)
    assert pc_sandbox.count("orders") == 2
