"""An admin's retry recovers an order whose stored cart can no longer be checked out, and
a cart that was bought is read back, never bought a second time."""

from __future__ import annotations

from connectors.partner_center.commerce_types import CartLineRequest
from persistence import db
from provisioning.jobs import requeue, run_job
from tests.checkout.factories import URLS
from tests.provisioning.conftest import crash_once_at
from tests.provisioning.factories import BUSINESS_STANDARD, E3, _confirm_mca, make_order

EIGHT_DAYS = 8 * 24 * 3600


def rotate_after_each_cart(sandbox, times: int):
    """A checkpoint that rotates Business Standard's availability after a cart is made."""
    rotated: list[str] = []

    def checkpoint(name: str) -> None:
        if name == "cart" and len(rotated) < times:
            rotated.append(sandbox.rotate_availability(*BUSINESS_STANDARD[:2]))

    return checkpoint


def carts(sandbox) -> list[str]:
    return [c["wire"]["status"] for c in sandbox.snapshot()["carts"].values()]


def test_a_cart_whose_availability_rotated_is_rebuilt_and_bought_once(pc_app, pc_client,
                                                                      pc_sandbox):
    order = make_order()
    assert run_job(order.id, pc_client, checkpoint=rotate_after_each_cart(pc_sandbox, 1)) \
        is None
    assert order.status == "provisioned"
    assert sorted(carts(pc_sandbox)) == ["Active", "Ordered"]  # the stale one is abandoned
    assert pc_sandbox.count("orders") == 1 and order.lines[0].pc_order_id


def test_an_admin_retry_after_a_rotated_availability_buys_through_a_fresh_cart(
        pc_app, pc_client, pc_sandbox):
    order = make_order()
    run_job(order.id, pc_client, checkpoint=rotate_after_each_cart(pc_sandbox, 2))
    assert order.status == "needs_attention" and "400019" in order.status_reason
    assert "new cart" in order.next_step  # not the old advice, which met 400019 again
    requeue(order, "admin@provider.example", client=pc_client, urls=URLS)
    run_job(order.id, pc_client)
    assert order.status == "provisioned"
    assert carts(pc_sandbox).count("Ordered") == 1 and pc_sandbox.count("orders") == 1


def test_an_admin_retry_after_the_cart_expired_buys_through_a_fresh_cart(
        pc_app, pc_client, pc_sandbox):
    order = make_order(mca=False)
    run_job(order.id, pc_client)
    assert order.status == "needs_attention" and "13605" in order.status_reason
    stale_cart = order.pc_cart_id
    pc_sandbox.advance(EIGHT_DAYS)  # the MCA is recorded a week later: the cart expired
    order.mca_acceptance_id = _confirm_mca(order.customer, order.placed_by).id
    db.session.commit()
    requeue(order, "admin@provider.example", client=pc_client, urls=URLS)
    run_job(order.id, pc_client)
    assert order.status == "provisioned" and order.pc_cart_id != stale_cart
    assert pc_sandbox.count("orders") == 1


def test_a_line_refused_in_the_cart_is_bought_on_an_admin_retry(pc_app, pc_client,
                                                                pc_sandbox):
    order = make_order()
    line = order.lines[0]
    line.partner_of_record = "9999999"  # not a partner of record Partner Center knows
    db.session.commit()
    run_job(order.id, pc_client)
    assert order.status == "needs_attention"
    assert (line.status, line.error_code) == ("failed", "10004")
    line.partner_of_record = order.reseller.mpn_id  # the admin corrects the MPN ID
    db.session.commit()
    requeue(order, "admin@provider.example", client=pc_client, urls=URLS)
    run_job(order.id, pc_client)
    assert order.status == "provisioned" and line.error_code == ""
    assert carts(pc_sandbox) == ["Ordered", "Ordered"] and pc_sandbox.count("orders") == 1


def test_an_admin_retry_buys_only_the_refused_line_of_a_bought_cart(pc_app, pc_client,
                                                                    pc_sandbox):
    order = make_order(lines=((BUSINESS_STANDARD, 3), (E3, 2, "P1Y", "annual")))
    bought, refused = order.lines
    refused.partner_of_record = "9999999"
    db.session.commit()
    run_job(order.id, pc_client)
    assert (bought.status, refused.error_code) == ("provisioned", "10004")
    order.status = "needs_attention"  # as if the order had waited for a person
    refused.partner_of_record = order.reseller.mpn_id
    db.session.commit()
    first_order = bought.pc_order_id
    requeue(order, "admin@provider.example", client=pc_client, urls=URLS)
    run_job(order.id, pc_client)
    assert order.status == "provisioned" and bought.pc_order_id == first_order
    assert refused.pc_order_id not in ("", first_order)
    assert pc_sandbox.count("orders") == 2 and pc_sandbox.count("subscriptions") == 2


def test_a_stale_cart_answer_for_a_bought_cart_reads_its_orders_back(pc_app, pc_client,
                                                                     pc_sandbox):
    order = make_order()
    run_job(order.id, pc_client, checkpoint=crash_once_at("checkout"))
    pc_sandbox.data["idempotency"].clear()
    pc_sandbox.add_fault("error", "POST /v1/customers/*/carts/*/checkout", status=404,
                         code="800008", count=1)
    run_job(order.id, pc_client)
    assert order.status == "provisioned"
    assert carts(pc_sandbox) == ["Ordered"] and pc_sandbox.count("orders") == 1


def buy_outside(client, order, quantity: int) -> str:
    """Someone buys the same SKU for the same tenant in Partner Center's own portal."""
    line = order.lines[0]
    item = client.list_availabilities(line.pc_product_id, line.pc_sku_id, "US")[0]
    cart = client.create_cart(order.pc_customer_id, [CartLineRequest(
        item.catalog_item_id, quantity, line.term_duration, line.billing_cycle,
        reseller_mpn_id=line.partner_of_record)])
    return client.checkout_cart(order.pc_customer_id, cart.id).orders[0].id


def test_reading_back_claims_neither_a_sibling_order_nor_one_placed_elsewhere(
        pc_app, pc_client, pc_sandbox):
    e3 = ((E3, 3, "P1Y", "annual"),)
    order = make_order(lines=e3)
    run_job(order.id, pc_client, checkpoint=crash_once_at("checkout"))
    pc_sandbox.advance(3600)
    sibling = make_order(order.placed_by, order.customer, lines=e3)  # the same seats again
    run_job(sibling.id, pc_client, checkpoint=crash_once_at("checkout"))
    pc_sandbox.advance(3600)
    outside = buy_outside(pc_client, order, 3)
    pc_sandbox.data["idempotency"].clear()  # both replays are answered 800065: read back
    run_job(order.id, pc_client)
    run_job(sibling.id, pc_client)
    assert order.status == sibling.status == "provisioned"
    claimed = {order.lines[0].pc_order_id, sibling.lines[0].pc_order_id}
    assert len(claimed) == 2 and outside not in claimed and pc_sandbox.count("orders") == 3


def forget_cart(sandbox, cart_id: str) -> None:
    """Partner Center no longer has the cart: reading or checking it out answers 404/800008."""
    del sandbox.data["carts"][cart_id]


def test_an_admin_retry_rebuilds_a_cart_partner_center_no_longer_has(pc_app, pc_client,
                                                                     pc_sandbox):
    order = make_order(mca=False)
    run_job(order.id, pc_client)
    assert order.status == "needs_attention" and "13605" in order.status_reason
    lost_cart = order.pc_cart_id
    forget_cart(pc_sandbox, lost_cart)
    order.mca_acceptance_id = _confirm_mca(order.customer, order.placed_by).id
    db.session.commit()
    requeue(order, "admin@provider.example", client=pc_client, urls=URLS)
    run_job(order.id, pc_client)
    assert order.status == "provisioned", order.job.last_error
    assert order.pc_cart_id not in ("", lost_cart)
    assert carts(pc_sandbox) == ["Ordered"] and pc_sandbox.count("orders") == 1


def test_a_cart_no_longer_found_whose_lines_were_bought_adopts_their_order(
        pc_app, pc_client, pc_sandbox):
    order = make_order(lines=((BUSINESS_STANDARD, 3), (E3, 2, "P1Y", "annual")))
    run_job(order.id, pc_client, checkpoint=crash_once_at("checkout"))
    bought = {o["wire"]["id"] for o in pc_sandbox.snapshot()["orders"].values()}
    forget_cart(pc_sandbox, order.pc_cart_id)
    pc_sandbox.data["idempotency"].clear()  # the replay is a new request: 404/800008
    run_job(order.id, pc_client)
    assert order.status == "provisioned"
    assert {line.pc_order_id for line in order.lines} == bought and len(bought) == 2
    assert pc_sandbox.count("orders") == 2 and not carts(pc_sandbox)  # nothing bought again
