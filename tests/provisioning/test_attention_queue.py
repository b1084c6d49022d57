"""The orders that need a person: the System page's count, the dashboard's, the queue its
link opens and the actions on each order's page agree, and a closed order leaves them all.
The provisioning queue's oldest job is as old as the time since it was (re)queued."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import time_machine

from operations.metrics import queue_facts
from provisioning.jobs import requeue, run_job
from tests.checkout.factories import URLS
from tests.conftest import login, post_form
from tests.provisioning.factories import BUSINESS_STANDARD, make_order
from tests.provisioning.test_partial_retry import partly_provisioned

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
COUNT = re.compile(r'<strong>(\d+)</strong> (?:order needs|orders need) a person · '
                   r'<a href="([^"]+)"')


def system_count(client) -> tuple[int, str]:
    """The System page's count of orders needing a person, and the page its link opens."""
    found = COUNT.search(client.get("/admin/system").get_data(as_text=True))
    queue = client.get(found.group(2).replace("&amp;", "&")).get_data(as_text=True)
    return int(found.group(1)), queue


def test_a_partly_provisioned_order_is_counted_listed_and_acted_on_until_closed(
        pc_app, pc_client, client, world):
    order, _, _ = partly_provisioned(pc_client)
    login(client, world.admin)
    count, queue = system_count(client)
    assert count == 1 and order.number in queue
    assert "Needs attention <small>(1)</small>" in client.get("/").get_data(as_text=True)
    page = client.get(f"/admin/orders/{order.id}").get_data(as_text=True)
    assert "Buy the refused lines again" in page and "Close the order" in page
    post_form(client, f"/admin/orders/{order.id}/close", {"confirm": "yes"},
              token_url=f"/admin/orders/{order.id}")
    count, queue = system_count(client)
    assert count == 0 and order.number not in queue
    assert queue_facts()["attention"] == 0
    assert "Nothing needs a person right now." in client.get("/").get_data(as_text=True)


def test_an_order_whose_failed_line_partner_center_ended_is_listed_with_its_close(
        pc_app, pc_client, pc_sandbox, client, world):
    pc_sandbox.config.provisioning_polls = 10**6  # the orders stay pending until told
    order = make_order(lines=((BUSINESS_STANDARD, 2), (BUSINESS_STANDARD, 5, "P1Y", "annual")))
    run_job(order.id, pc_client)
    pc_sandbox.end_order(order.lines[0].pc_order_id)  # nothing provisioned for line 1
    pc_sandbox.config.provisioning_polls = 0
    run_job(order.id, pc_client)
    assert order.status == "partially_provisioned" and order.lines[0].status == "failed"
    login(client, world.admin)
    count, queue = system_count(client)
    assert count == 1 and order.number in queue
    page = client.get(f"/admin/orders/{order.id}").get_data(as_text=True)
    assert "Close the order" in page and "Buy the refused lines again" not in page


def test_the_oldest_jobs_age_counts_from_its_retry_not_from_the_order(
        pc_app, pc_client, world):
    with time_machine.travel(T0, tick=False) as clock:
        order = make_order(mca=False)  # Partner Center wants the MCA: it needs a person
        run_job(order.id, pc_client)
        assert order.status == "needs_attention" and queue_facts()["depth"] == 0
        clock.move_to(T0 + timedelta(hours=3))
        requeue(order, world.admin.email, client=pc_client, urls=URLS)
        clock.move_to(T0 + timedelta(hours=3, minutes=2))
        facts = queue_facts()
    assert facts["depth"] == 1 and facts["oldest_age"] == 120
