"""Buying an order's refused lines again is judged by the checkout rules against what the
customer holds now: a plan bought since in another order is not bought a second time (C4,
K6); the admin reads each problem with its code, and the confirmation names what the
customer ordered since."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from persistence import db
from provisioning.jobs import NotRetryable, requeue, run_job
from subscriptions.models import Subscription
from tests.checkout.factories import URLS
from tests.conftest import login, post_form
from tests.provisioning.factories import BUSINESS_STANDARD, E3, make_order
from tests.provisioning.test_partial_retry import partly_provisioned


def retry(client, order, **confirm):
    return post_form(client, f"/admin/orders/{order.id}/retry", confirm,
                     token_url=f"/admin/orders/{order.id}")


def e3_annual(order) -> list[int]:
    return [s.quantity for s in db.session.scalars(select(Subscription).where(
        Subscription.customer_id == order.customer_id, Subscription.pc_product_id == E3[0],
        Subscription.billing_cycle == "annual"))]


def test_a_retry_does_not_buy_a_plan_the_customer_has_bought_since(
        pc_app, pc_client, client, world):
    order, _, refused = partly_provisioned(pc_client)
    again = make_order(order.placed_by, order.customer, lines=((E3, 2, "P1Y", "annual"),))
    run_job(again.id, pc_client)
    assert again.status == "provisioned" and e3_annual(order) == [2]
    login(client, world.admin)
    page = client.get(f"/admin/orders/{order.id}").get_data(as_text=True)
    asked = html.unescape(re.search(r'data-confirm="([^"]+)"', page).group(1))
    assert (f"Since this order the customer ordered: {again.number} "
            "(2 × Microsoft 365 E3, annual billing; provisioned)") in asked
    assert retry(client, order, confirm="yes").status_code == 409
    said = client.get(f"/admin/orders/{order.id}").get_data(as_text=True)
    assert "C4.bought_since" in said and "line 2: Microsoft 365 E3 would be a second" in said
    db.session.refresh(order)
    assert order.status == "partially_provisioned" and order.job.state == "done"
    assert refused.status == "failed"
    assert run_job(order.id, pc_client) is None and e3_annual(order) == [2]


def test_a_retry_does_not_buy_a_business_plan_a_newer_order_is_buying_k6(
        pc_app, pc_client, world):
    order = make_order(lines=((E3, 2), (BUSINESS_STANDARD, 3, "P1Y", "annual")))
    _, refused = order.lines
    refused.partner_of_record = "9999999"  # Partner Center refuses the line (10004)
    db.session.commit()
    run_job(order.id, pc_client)
    assert order.status == "partially_provisioned" and refused.status == "failed"
    refused.partner_of_record = order.reseller.mpn_id  # the admin fixed the cause
    db.session.commit()
    make_order(order.placed_by, order.customer,  # not provisioned yet: on order
               lines=((BUSINESS_STANDARD, 1, "P1Y", "annual"),))
    with pytest.raises(NotRetryable, match=r"K6\.second_subscription_same_cycle"):
        requeue(order, world.admin.email, client=pc_client, urls=URLS)
    db.session.refresh(order)
    assert order.status == "partially_provisioned" and refused.status == "failed"
    assert order.job.state == "done"


def test_a_retry_says_the_customer_has_ordered_nothing_since_and_then_buys(
        pc_app, pc_client, client, world):
    order, _, refused = partly_provisioned(pc_client)
    login(client, world.admin)
    page = client.get(f"/admin/orders/{order.id}").get_data(as_text=True)
    assert "The customer has placed no order since this one." in page
    assert retry(client, order, confirm="yes").status_code == 302
    run_job(order.id, pc_client)
    assert order.status == "provisioned" and e3_annual(order) == [2]
