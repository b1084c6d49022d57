"""An admin's retry of an order holding both lines Partner Center refused and lines whose
checkout answer was lost: the lost answer is read back first, and only lines known not to
be bought go into a fresh cart, never a line that might have been bought."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from persistence import db
from provisioning.jobs import requeue, run_job
from tests.checkout.factories import URLS
from tests.provisioning.conftest import crash_once_at
from tests.provisioning.factories import BUSINESS_STANDARD, E3, make_order

CHECKOUT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ADMIN = "admin@provider.example"


@pytest.fixture
def lagging(pc_app, pc_sandbox):
    """Orders complete at once, but the order list shows them only much later."""
    pc_sandbox.config.provisioning_polls = 0
    pc_sandbox.config.order_list_lag_seconds = 10**7
    return pc_sandbox


def carts(sandbox) -> list[str]:
    return [c["wire"]["status"] for c in sandbox.snapshot()["carts"].values()]


def lost_checkout_with_a_refused_line(sandbox, client, clock):
    """Monthly line refused in the cart (unknown partner of record), annual line bought;
    the checkout's answer is lost and the bought order is not listed for a day."""
    order = make_order(lines=((BUSINESS_STANDARD, 3), (E3, 2, "P1Y", "annual")))
    refused, unknown = order.lines
    refused.partner_of_record = "9999999"
    db.session.commit()
    run_job(order.id, client, checkpoint=crash_once_at("checkout"))
    sandbox.data["idempotency"].clear()  # the replay is answered 800065: read back
    clock.move_to(CHECKOUT + timedelta(hours=1))
    run_job(order.id, client)
    clock.move_to(CHECKOUT + timedelta(hours=25))
    run_job(order.id, client)
    return order, refused, unknown


def test_an_admin_retry_reads_back_the_lost_lines_then_buys_the_refused_one_alone(
        lagging, pc_client):
    with time_machine.travel(CHECKOUT, tick=False) as clock:
        order, refused, unknown = lost_checkout_with_a_refused_line(lagging, pc_client, clock)
        assert order.status == "needs_attention"
        assert (refused.status, refused.error_code) == ("failed", "10004")
        assert (unknown.status, unknown.pc_order_id) == ("pending", "")
        first_cart = order.pc_cart_id
        refused.partner_of_record = order.reseller.mpn_id  # the admin fixes the MPN ID
        db.session.commit()
        lagging.config.order_list_lag_seconds = 0  # the bought order is listed by now
        requeue(order, ADMIN, client=pc_client, urls=URLS)
        run_job(order.id, pc_client)
    assert order.status == "provisioned"
    assert unknown.pc_order_id and refused.pc_order_id not in ("", unknown.pc_order_id)
    assert order.pc_cart_id != first_cart and carts(lagging) == ["Ordered", "Ordered"]
    assert lagging.count("orders") == 2 and lagging.count("subscriptions") == 2


def test_an_admin_retry_buys_nothing_while_a_lost_line_is_still_unknown(lagging, pc_client):
    with time_machine.travel(CHECKOUT, tick=False) as clock:
        order, refused, unknown = lost_checkout_with_a_refused_line(lagging, pc_client, clock)
        refused.partner_of_record = order.reseller.mpn_id
        db.session.commit()
        requeue(order, ADMIN, client=pc_client, urls=URLS)  # the annual order is still not listed
        run_job(order.id, pc_client)
    assert order.status == "needs_attention" and "not listed yet" in order.status_reason
    assert unknown.status == "pending"  # still in doubt: never bought again
    assert (refused.status, refused.pc_order_id) == ("retrying", "")  # bought once settled
    assert carts(lagging) == ["Ordered"] and lagging.count("orders") == 1
