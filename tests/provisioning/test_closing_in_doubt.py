"""Closing an order with a line in doubt (its checkout was sent and the answer never came):
the close asks Partner Center first. A subscription it shows is recorded as provisioned and
the order is not closed; a cart it shows never bought lets the order close; only when it
cannot be reached does the admin's own check ("it holds no subscription for this line",
named in the audit log) let the order close."""

from __future__ import annotations

import re

import pytest
import requests
import responses
from sqlalchemy import select

from accounts import audit
from persistence import db
from provisioning.closing import NotClosable, close_order
from provisioning.doubts import Provisioned
from provisioning.jobs import run_job
from subscriptions.models import Subscription
from tests.conftest import login, post_form
from tests.provisioning.conftest import crash_once_at
from tests.provisioning.factories import make_order
from tests.provisioning.test_stale_carts import forget_cart

CHECKOUT = "POST /v1/customers/*/carts/*/checkout"
OVERRIDE = "checked_partner_center"


def lost_checkout(pc_app, pc_sandbox, pc_client, *, bought: bool):
    """The order's checkout was sent and its answer never came; the retries are spent, so
    the order waits for a person with its line pending and its checkout request id kept.
    `bought`: Partner Center did check the cart out (the worker died on the way back)."""
    pc_app.config["PROVISIONING_MAX_ATTEMPTS"] = 1
    order = make_order()
    if bought:
        run_job(order.id, pc_client, checkpoint=crash_once_at("checkout"))
    else:
        pc_sandbox.add_fault("error", CHECKOUT, status=503, count=None)
        run_job(order.id, pc_client)
        pc_sandbox.faults.clear()
    line = order.lines[0]
    assert order.status == "needs_attention" and order.job.state == "attention"
    assert line.status == "pending" and order.pc_checkout_request_id
    return order, line


def close(client, order, **fields):
    return post_form(client, f"/admin/orders/{order.id}/close", fields,
                     token_url=f"/admin/orders/{order.id}")


def flashed(client, order) -> str:
    return client.get(f"/admin/orders/{order.id}").get_data(as_text=True)


def test_a_line_partner_center_shows_bought_is_recorded_provisioned_and_not_closed(
        pc_app, pc_sandbox, pc_client, client, world):
    order, line = lost_checkout(pc_app, pc_sandbox, pc_client, bought=True)
    login(client, world.admin)
    answer = close(client, order, confirm="yes")
    assert answer.status_code == 302
    db.session.refresh(order)
    assert line.status == "provisioned" and line.pc_subscription_id
    assert order.status == "provisioned" and order.job.state == "done"
    assert db.session.scalar(select(Subscription).filter_by(
        pc_subscription_id=line.pc_subscription_id)) is not None
    assert db.session.scalar(select(audit.AuditEvent).filter_by(kind="order_closed")) is None
    page = flashed(client, order)
    assert "recorded as provisioned" in page and "not closed" in page
    assert pc_sandbox.count("orders") == 1  # read back, never bought again


def test_a_line_whose_cart_partner_center_never_checked_out_is_closed(
        pc_app, pc_sandbox, pc_client, client, world):
    order, line = lost_checkout(pc_app, pc_sandbox, pc_client, bought=False)
    login(client, world.admin)
    asked = close(client, order)
    assert asked.status_code == 422
    assert "Partner Center shows no subscription" in asked.get_data(as_text=True)
    assert close(client, order, confirm="yes").status_code == 302
    db.session.refresh(order)
    assert order.status == "cancelled" and order.job.state == "closed"
    assert line.status == "cancelled" and pc_sandbox.count("orders") == 0
    event = db.session.scalar(select(audit.AuditEvent).filter_by(kind="order_closed"))
    assert event.actor_id == world.admin.id and "checked Partner Center" not in event.detail


def unreachable_by_503(pc_sandbox, _pc_responses):
    pc_sandbox.add_fault("error", "*", status=503, count=None)


def unreachable_by_silence(_pc_sandbox, pc_responses):
    pc_responses.reset()
    for method in (responses.GET, responses.POST, responses.PATCH):
        pc_responses.add(method, re.compile(".*"), body=requests.ConnectionError("no route"))


@pytest.mark.parametrize("cut_off", [unreachable_by_503, unreachable_by_silence])
def test_when_partner_center_cannot_be_reached_only_the_admins_own_check_closes_it(
        pc_app, pc_sandbox, pc_client, pc_responses, client, world, cut_off):
    order, line = lost_checkout(pc_app, pc_sandbox, pc_client, bought=False)
    cut_off(pc_sandbox, pc_responses)
    login(client, world.admin)
    asked = close(client, order).get_data(as_text=True)
    assert "could not be reached" in asked and f'name="{OVERRIDE}"' in asked
    assert close(client, order, confirm="yes").status_code == 409
    assert "could not be reached" in flashed(client, order)
    db.session.refresh(order)
    assert order.status == "needs_attention" and line.status == "pending"
    assert close(client, order, confirm="yes", **{OVERRIDE: "yes"}).status_code == 302
    db.session.refresh(order)
    assert order.status == "cancelled" and line.status == "cancelled"
    event = db.session.scalar(select(audit.AuditEvent).filter_by(kind="order_closed"))
    assert event.actor_id == world.admin.id
    assert (f"{world.admin.email} checked Partner Center: it holds no subscription for "
            "line 1") in event.detail
    assert "checked Partner Center" in order.events[-1].note


def test_the_admins_check_does_not_close_a_line_partner_center_answers_for(
        pc_app, pc_sandbox, pc_client, world):
    order, line = lost_checkout(pc_app, pc_sandbox, pc_client, bought=True)
    with pytest.raises(Provisioned, match="not closed"):  # it answers: found, so kept
        close_order(order, world.admin, pc_client, checked=True)
    assert line.status == "provisioned" and order.status == "provisioned"


def test_an_order_partner_center_is_still_provisioning_is_refused_with_its_answer(
        pc_app, pc_sandbox, pc_client, world):
    pc_app.config["PROVISIONING_PENDING_DEADLINE_SECONDS"] = -1  # a person at once
    pc_sandbox.config.provisioning_polls = 10**6
    order = make_order()
    run_job(order.id, pc_client)
    with pytest.raises(NotClosable, match="still provisioning"):
        close_order(order, world.admin, pc_client, checked=True)
    assert order.lines[0].status == "ordered" and order.job.state == "attention"


def lose_the_cart(pc_sandbox, order) -> None:
    """Partner Center no longer has the order's stored cart: it answers 404/800008."""
    forget_cart(pc_sandbox, order.pc_cart_id)


def test_a_lost_cart_no_order_of_partner_center_bought_lets_the_order_close(
        pc_app, pc_sandbox, pc_client, client, world):
    order, line = lost_checkout(pc_app, pc_sandbox, pc_client, bought=False)
    lose_the_cart(pc_sandbox, order)
    login(client, world.admin)
    asked = close(client, order)
    assert asked.status_code == 422
    assert "Partner Center shows no subscription" in asked.get_data(as_text=True)
    assert close(client, order, confirm="yes").status_code == 302
    db.session.refresh(order)
    assert order.status == "cancelled" and line.status == "cancelled"
    assert pc_sandbox.count("orders") == 0  # nothing bought to find out


def test_a_lost_cart_whose_order_partner_center_shows_is_adopted_and_not_closed(
        pc_app, pc_sandbox, pc_client, world):
    order, line = lost_checkout(pc_app, pc_sandbox, pc_client, bought=True)
    lose_the_cart(pc_sandbox, order)
    with pytest.raises(Provisioned, match="not closed"):
        close_order(order, world.admin, pc_client, checked=True)
    bought = next(iter(pc_sandbox.snapshot()["orders"]))
    assert (line.pc_order_id, line.status) == (bought, "provisioned")
    assert order.status == "provisioned" and pc_sandbox.count("orders") == 1
    assert db.session.scalar(select(audit.AuditEvent).filter_by(kind="order_closed")) is None
