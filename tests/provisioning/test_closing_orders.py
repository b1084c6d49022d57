"""An admin closes an order Partner Center has nothing more to provision for: the lines not
provisioned end, the provisioned ones stay; confirmed first, recorded in the order's history
and the audit log, the buyer told; K6 stops counting its lines, and its job never runs
again."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from accounts import audit
from checkout.fetch import RemoteFacts
from notifications.models import OutboxEmail
from orders.models import Cart, CartLine
from orders.placement import check_order
from persistence import db
from provisioning.closing import NotClosable, close_order
from provisioning.jobs import NotRetryable, requeue, run_job
from subscriptions.models import Subscription
from tests.checkout.factories import URLS
from tests.conftest import login, post_form
from tests.provisioning.factories import BUSINESS_STANDARD, make_order
from tests.provisioning.test_partial_retry import BUYER_PASSWORD, partly_provisioned


def refused_by_partner_center(pc_sandbox, pc_client):
    """Partner Center refuses the order's customer (2091: the next step says to cancel it)."""
    pc_sandbox.add_fault("error", "POST /v1/customers", status=400, code="2091")
    order = make_order()
    run_job(order.id, pc_client)
    assert order.status == "needs_attention" and order.job.state == "attention"
    assert "cancel this order" in order.next_step
    return order


def k6_codes(order) -> set[str]:
    """The K6 problems of a new order of the same plan for the same customer."""
    line = order.lines[0]
    cart = Cart(customer=order.customer, lines=[CartLine(price=line.price, quantity=1)])
    problems = check_order(cart, RemoteFacts(), date.today(), URLS)
    return {p.code for p in problems if p.rule == "K6"}


def close(client, order, **confirm):
    return post_form(client, f"/admin/orders/{order.id}/close", confirm,
                     token_url=f"/admin/orders/{order.id}")


def test_a_refused_order_is_closed_once_confirmed_and_its_plan_can_be_ordered_again(
        pc_app, pc_client, pc_sandbox, client, world):
    order = refused_by_partner_center(pc_sandbox, pc_client)
    assert k6_codes(order) == {"K6.second_subscription_same_cycle"}
    login(client, world.admin)
    page = client.get(f"/admin/orders/{order.id}").get_data(as_text=True)
    assert "Close the order" in page and "3 × Microsoft 365 Business Standard" in page
    asked = close(client, order)
    assert asked.status_code == 422 and order.status == "needs_attention"
    assert close(client, order, confirm="yes").status_code == 302
    db.session.refresh(order)
    assert order.status == "cancelled" and order.job.state == "closed"
    assert [ln.status for ln in order.lines] == ["cancelled"]
    assert world.admin.email in order.events[-1].note
    event = db.session.scalar(select(audit.AuditEvent).filter_by(kind="order_closed"))
    assert event.actor_id == world.admin.id and order.number in event.detail
    mail = db.session.scalars(select(OutboxEmail).filter_by(to=order.placed_by.email)).all()
    assert any(m.subject == f"Order {order.number} is cancelled" for m in mail)
    assert k6_codes(order) == set()


def test_a_closed_orders_job_never_runs_again(pc_app, pc_client, pc_sandbox, world):
    order = refused_by_partner_center(pc_sandbox, pc_client)
    close_order(order, world.admin)
    customers = pc_sandbox.count("customers")
    assert run_job(order.id, pc_client) is None
    with pytest.raises(NotRetryable):
        requeue(order, world.admin.email, client=pc_client, urls=URLS)
    with pytest.raises(NotClosable):
        close_order(order, world.admin)
    db.session.refresh(order)
    assert order.status == "cancelled" and order.job.state == "closed"
    assert pc_sandbox.count("customers") == customers


def test_closing_a_partly_provisioned_order_ends_only_the_lines_not_provisioned(
        pc_app, pc_client, client, world):
    order, bought, refused = partly_provisioned(pc_client)
    subscriptions = db.session.scalars(select(Subscription)).all()
    login(client, world.admin)
    assert close(client, order, confirm="yes").status_code == 302
    db.session.refresh(order)
    assert order.status == "partially_provisioned" and order.job.state == "closed"
    assert (bought.status, refused.status) == ("provisioned", "cancelled")
    assert db.session.scalars(select(Subscription)).all() == subscriptions
    page = client.get(f"/admin/orders/{order.id}").get_data(as_text=True)
    assert "Buy the refused lines again" not in page and "Close the order" not in page
    with pytest.raises(NotRetryable):
        requeue(order, world.admin.email, client=pc_client, urls=URLS)
    with pc_app.app_context():  # a fresh `g`: the admin signed in above is not the buyer
        buyer = pc_app.test_client()
        login(buyer, order.placed_by, BUYER_PASSWORD)
        seen = buyer.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "will not be provisioned" in seen and "looking into the lines" not in seen


def test_an_order_whose_job_may_still_send_is_not_closed(pc_app, pc_client, client, world):
    order = make_order()  # its job is queued: a worker may take it any moment
    order.record("needs_attention", "Refused by Partner Center.", "Retry it.")
    db.session.commit()
    login(client, world.admin)
    response = close(client, order, confirm="yes")
    assert response.status_code == 409
    assert "may still send" in client.get(f"/admin/orders/{order.id}").get_data(as_text=True)
    assert order.status == "needs_attention" and order.job.state == "queued"


def test_an_order_partner_center_may_still_provision_is_not_closed(
        pc_app, pc_client, pc_sandbox, world):
    pc_app.config["PROVISIONING_PENDING_DEADLINE_SECONDS"] = -1  # a person at once
    pc_sandbox.config.provisioning_polls = 10**6  # its Partner Center order stays pending
    order = make_order(lines=((BUSINESS_STANDARD, 2),))
    run_job(order.id, pc_client)
    assert order.status == "needs_attention" and order.lines[0].pc_order_id
    with pytest.raises(NotClosable, match="may still provision line 1"):
        close_order(order, world.admin)
    assert order.lines[0].status == "ordered" and order.job.state == "attention"
