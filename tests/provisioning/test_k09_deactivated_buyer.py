"""K9 at the worker: an order placed before the provider deactivated its reseller or its
direct customer, still queued, is stopped before its first Partner Center call, with the
K9 code and why in its history; one already partly sent is finished, never stranded. An
admin's retry of such an order is refused with the K9 code until the company is
reactivated."""

from __future__ import annotations

import html

from accounts.models import Role
from accounts.services import new_user
from orders.models import Order
from persistence import db
from provisioning.jobs import run_job
from tests.conftest import login, post_form
from tests.provisioning.conftest import crash_once_at
from tests.provisioning.factories import customer, make_order


def direct_order() -> Order:
    """A direct customer's order for 3 licences, as checkout queues it."""
    user = new_user("buyer@direct.example", "pw-never-used-here", Role.CUSTOMER_USER)
    db.session.add(user)
    buyer = customer(user, "Direct Buyer Ltd")
    user.customer = buyer
    db.session.commit()
    return make_order(user, buyer)


def stopped(order: Order, code: str) -> bool:
    """Held for a person, with the K9 code in its status and its history."""
    order = db.session.get(Order, order.id)
    return (order.status == "needs_attention" and order.job.state == "attention"
            and code in order.status_reason and code in order.events[-1].note)


def test_a_queued_order_of_a_deactivated_reseller_never_reaches_partner_center(
        pc_app, pc_client, pc_responses):
    order = make_order()
    order.reseller.active = False
    db.session.commit()
    assert run_job(order.id, pc_client) is None
    assert list(pc_responses.calls) == []
    assert stopped(order, "K9.reseller_inactive")
    assert "Adatum IT Services was deactivated" in order.status_reason
    assert "Reactivate Adatum IT Services" in order.next_step
    assert order.lines[0].status == "pending" and not order.pc_customer_request_id


def test_a_queued_order_of_a_deactivated_direct_customer_never_reaches_partner_center(
        pc_app, pc_client, pc_responses):
    order = direct_order()
    order.customer.active = False
    db.session.commit()
    run_job(order.id, pc_client)
    assert list(pc_responses.calls) == []
    assert stopped(order, "K9.customer_inactive")
    assert "Direct Buyer Ltd was deactivated" in order.status_reason


def test_an_order_already_partly_sent_is_finished_not_stranded(pc_app, pc_client, pc_sandbox):
    order = make_order()
    crash = crash_once_at("customer")  # the tenant is created, then the worker dies
    run_job(order.id, pc_client, checkpoint=crash)
    assert crash.fired and order.pc_customer_request_id
    order.reseller.active = False
    db.session.commit()
    run_job(order.id, pc_client)
    order = db.session.get(Order, order.id)
    assert order.status == "provisioned"
    assert pc_sandbox.count("orders") == 1


def retry(client, order: Order):
    """The admin's Retry provisioning button on the order's page."""
    return post_form(client, f"/admin/orders/{order.id}/retry", {},
                     token_url=f"/admin/orders/{order.id}")


def test_an_admins_retry_for_a_deactivated_reseller_is_refused_until_reactivated(
        pc_app, pc_client, pc_responses, client, world):
    order = make_order(mca=False)  # stopped for attention: Partner Center's 13605
    run_job(order.id, pc_client)
    order.reseller.active = False
    db.session.commit()
    sent = len(pc_responses.calls)
    login(client, world.admin)
    refused = retry(client, order)
    said = html.unescape(client.get(f"/admin/orders/{order.id}").get_data(as_text=True))
    assert refused.status_code == 409 and "K9.reseller_inactive" in said
    assert f"Reactivate {order.reseller.company_name} first" in said
    assert order.status == "needs_attention" and order.job.state == "attention"
    assert len(pc_responses.calls) == sent


def test_an_admins_retry_for_a_deactivated_direct_customer_is_refused(
        pc_app, pc_client, client, world):
    order = direct_order()
    order.customer.active = False
    db.session.commit()
    run_job(order.id, pc_client)  # stopped by the worker (K9)
    login(client, world.admin)
    refused = retry(client, order)
    said = html.unescape(client.get(f"/admin/orders/{order.id}").get_data(as_text=True))
    assert refused.status_code == 409 and "K9.customer_inactive" in said
    assert "Reactivate Direct Buyer Ltd first" in said
    assert order.job.state == "attention"


def test_once_reactivated_the_stopped_order_is_retried_and_sent(
        pc_app, pc_client, client, world, pc_sandbox):
    order = make_order()
    order.reseller.active = False
    db.session.commit()
    run_job(order.id, pc_client)
    order.reseller.active = True
    db.session.commit()
    login(client, world.admin)
    assert retry(client, order).status_code == 302
    run_job(order.id, pc_client)
    assert db.session.get(Order, order.id).status == "provisioned"
    assert pc_sandbox.count("orders") == 1
