"""An admin's retry of a partly provisioned order: once the cause is fixed, the lines Partner
Center refused are bought through a fresh cart, confirmed first and only once; the lines
already provisioned, their orders and subscriptions stay as they are."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm.attributes import set_committed_value

from notifications.models import Notification
from orders.models import utcnow
from persistence import db
from provisioning.jobs import NotRetryable, requeue, run_job
from subscriptions.models import Subscription
from tests.checkout.factories import URLS
from tests.conftest import login, post_form
from tests.provisioning.factories import BUSINESS_STANDARD, E3, make_order
from tests.provisioning.test_stale_carts import carts

BUYER_PASSWORD = "pw-never-used-here"  # noqa: S105 - the factories' reseller user


def partly_provisioned(pc_client):
    """Business Standard bought; the annual E3 line refused (a partner of record Partner
    Center does not know), then corrected by the admin (the cause is fixed)."""
    order = make_order(lines=((BUSINESS_STANDARD, 3), (E3, 2, "P1Y", "annual")))
    bought, refused = order.lines
    refused.partner_of_record = "9999999"
    db.session.commit()
    run_job(order.id, pc_client)
    assert order.status == "partially_provisioned" and order.job.state == "done"
    assert (bought.status, refused.status, refused.error_code) == (
        "provisioned", "failed", "10004")
    refused.partner_of_record = order.reseller.mpn_id
    db.session.commit()
    return order, bought, refused


def retry(client, order, **confirm):
    return post_form(client, f"/admin/orders/{order.id}/retry", confirm,
                     token_url=f"/admin/orders/{order.id}")


def test_a_partly_provisioned_orders_page_offers_to_buy_its_refused_lines_again(
        pc_app, pc_client, client, world):
    order, _, _ = partly_provisioned(pc_client)
    login(client, world.admin)
    page = client.get(f"/admin/orders/{order.id}").get_data(as_text=True)
    assert "Buy the refused lines again" in page
    assert 'data-confirm="Partner Center is asked again to buy line 2 (2 × Microsoft 365 E3)' \
        in page


def test_no_retry_is_offered_when_each_failed_line_has_a_partner_center_order(
        pc_app, pc_client, pc_sandbox, client, world):
    pc_sandbox.config.provisioning_polls = 10**6  # the orders stay pending until told
    order = make_order(lines=((BUSINESS_STANDARD, 2), (BUSINESS_STANDARD, 5, "P1Y", "annual")))
    run_job(order.id, pc_client)
    monthly, annual = order.lines
    pc_sandbox.end_order(monthly.pc_order_id)  # Microsoft ended it: nothing was provisioned
    pc_sandbox.config.provisioning_polls = 0
    run_job(order.id, pc_client)
    assert order.status == "partially_provisioned" and monthly.status == "failed"
    login(client, world.admin)
    page = client.get(f"/admin/orders/{order.id}").get_data(as_text=True)
    assert "Buy the refused lines again" not in page and "Retry provisioning" not in page
    assert retry(client, order, confirm="yes").status_code == 409
    assert "has no line Partner Center refused" in client.get(
        f"/admin/orders/{order.id}").get_data(as_text=True)
    assert order.status == "partially_provisioned" and pc_sandbox.count("orders") == 2


def test_the_retry_of_a_partly_provisioned_order_asks_to_confirm_and_does_nothing_before(
        pc_app, pc_client, pc_sandbox, client, world):
    order, _, refused = partly_provisioned(pc_client)
    login(client, world.admin)
    response = retry(client, order)
    assert response.status_code == 422 and 'name="confirm" value="yes"' in response.get_data(
        as_text=True)
    assert order.status == "partially_provisioned" and order.job.state == "done"
    assert refused.status == "failed" and pc_sandbox.count("orders") == 1


def test_an_admin_retry_buys_the_refused_line_through_a_fresh_cart_and_the_buyer_sees_it(
        pc_app, pc_client, pc_sandbox, client, world):
    order, bought, refused = partly_provisioned(pc_client)
    first_cart, first_order = order.pc_cart_id, bought.pc_order_id
    kept = db.session.scalar(select(Subscription).filter_by(order_line_id=bought.id))
    login(client, world.admin)
    assert retry(client, order, confirm="yes").status_code == 302
    assert (order.status, order.job.state, refused.status) == (
        "provisioning", "queued", "retrying")
    assert f"Retry requested by {world.admin.email}." == order.events[-1].note
    run_job(order.id, pc_client)
    assert order.status == "provisioned" and refused.status == "provisioned"
    assert refused.pc_order_id not in ("", first_order) and bought.pc_order_id == first_order
    assert order.pc_cart_id not in ("", first_cart)
    assert carts(pc_sandbox) == ["Ordered", "Ordered"] and pc_sandbox.count("orders") == 2
    mirrored = db.session.scalars(select(Subscription).order_by(Subscription.id)).all()
    assert [s.id for s in mirrored][0] == kept.id and len(mirrored) == 2
    assert (kept.pc_subscription_id, kept.quantity) == (bought.pc_subscription_id, 3)
    with pc_app.app_context():  # a fresh `g`: the admin signed in above is not the buyer
        buyer = pc_app.test_client()
        login(buyer, order.placed_by, BUYER_PASSWORD)
        status = buyer.get(f"/orders/{order.id}/status.json").get_json()
    assert (status["status"], status["final"]) == ("provisioned", True)
    assert [line["status"] for line in status["lines"]] == ["provisioned", "provisioned"]
    told = db.session.scalars(select(Notification.subject).filter_by(
        user_id=order.placed_by.id)).all()
    assert told[-1] == f"Order {order.number} is provisioned"


def test_a_double_click_on_the_retry_buys_the_refused_line_once(pc_app, pc_client, pc_sandbox,
                                                                client, world):
    order, _, refused = partly_provisioned(pc_client)
    login(client, world.admin)
    assert retry(client, order, confirm="yes").status_code == 302
    second = retry(client, order, confirm="yes")
    assert second.status_code == 409
    assert "provisioning; only orders needing attention" in client.get(
        f"/admin/orders/{order.id}").get_data(as_text=True)
    assert [e.note for e in order.events].count(f"Retry requested by {world.admin.email}.") \
        == 1
    run_job(order.id, pc_client)
    run_job(order.id, pc_client)  # both clicks enqueued nothing more than one run's work
    assert order.status == "provisioned" and refused.pc_order_id
    assert pc_sandbox.count("orders") == 2 and pc_sandbox.count("subscriptions") == 2


def test_no_retry_while_a_worker_still_holds_the_partly_provisioned_orders_job(
        pc_app, pc_client, client, world):
    order, _, refused = partly_provisioned(pc_client)
    order.job.state, order.job.locked_until = "running", utcnow() + timedelta(minutes=5)
    db.session.commit()
    login(client, world.admin)
    assert "Buy the refused lines again" not in client.get(
        f"/admin/orders/{order.id}").get_data(as_text=True)
    assert retry(client, order, confirm="yes").status_code == 409
    assert order.status == "partially_provisioned" and refused.status == "failed"


def test_two_retries_racing_for_the_same_order_queue_it_once(pc_app, pc_client, pc_sandbox):
    order, _, refused = partly_provisioned(pc_client)
    requeue(order, "first@provider.example", client=pc_client, urls=URLS)
    # The second request read the order before the first one committed.
    set_committed_value(order, "status", "partially_provisioned")
    set_committed_value(refused, "status", "failed")
    with pytest.raises(NotRetryable, match="requested just now; it runs once"):
        requeue(order, "second@provider.example", client=pc_client, urls=URLS)
    assert [e.note for e in order.events if e.note.startswith("Retry requested")] == [
        "Retry requested by first@provider.example."]
    run_job(order.id, pc_client)
    assert order.status == "provisioned" and pc_sandbox.count("orders") == 2
