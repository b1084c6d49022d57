"""Issue 26: the provider admins' system status page: workers and beat (from the runs each
worker records), the queue, and the Partner Center errors the workers met."""

from __future__ import annotations

import re
import socket
from datetime import UTC, datetime, timedelta

import time_machine

from operations import activity, context
from tests.conftest import login
from tests.operations.orders import place

T0 = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


def worker_ran(task: str, hostname: str = "celery@worker-1", **fields) -> None:
    """What the worker's task_postrun hook records after a run."""
    with context.scope(task=task, **fields):
        activity.record_task_run(task, hostname, "SUCCESS", T0 - timedelta(seconds=1))


def test_the_page_shows_workers_beat_runs_and_the_queue(client, world, browser):
    with time_machine.travel(T0, tick=False):
        worker_ran("operations.heartbeat")
        worker_ran("subscriptions.sync")
    place(browser(), world)  # one job waits in the queue
    login(client, world.admin)
    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        page = client.get("/admin/system").get_data(as_text=True)
    assert "celery@worker-1" in page and "alive" in page
    assert "heartbeat" in page and "subscriptions.sync" in page and "SUCCESS" in page
    assert "reconcile-provisioning" in page and "not run yet" in page
    assert "Subscriptions from Partner Center: " in page  # the last sync, with its time
    assert "<strong>1</strong> job queued" in page
    assert "Sandbox mode" in page


def test_each_periodic_task_says_how_often_it_runs(client, world):
    """"not run yet" alone left an admin guessing when the hourly sync would first run."""
    login(client, world.admin)
    page = client.get("/admin/system").get_data(as_text=True)
    rows = dict(re.findall(r"<tr><td>([\w-]+) <small.*?</td><td>([^<]*)</td>", page))
    assert rows["sync-subscriptions"] == "every hour"
    assert rows["heartbeat"] == "every minute" and rows["gdap-daily"] == "every day"
    assert rows["billing-monthly"] == "monthly, on day 1 at 03:00 UTC"  # B4


def test_a_silent_worker_is_shown_as_such(client, world):
    with time_machine.travel(T0, tick=False):
        worker_ran("operations.heartbeat")
    login(client, world.admin)
    with time_machine.travel(T0 + timedelta(minutes=10), tick=False):
        page = client.get("/admin/system").get_data(as_text=True)
    assert "silent for over 3 minutes" in page


def test_partner_center_errors_a_task_met_are_listed_with_their_request_ids(client, world):
    with context.scope(task="provisioning.provision_order", order_id=world.order_a.id):
        activity.note_upstream_error("partner_center", "POST /v1/customers/{id}/carts", "503",
                                     "0f6b2c1e-ms-request-id")
        activity.record_task_run("provisioning.provision_order", "celery@worker-1", "SUCCESS",
                                 T0)
    login(client, world.admin)
    page = client.get("/admin/system").get_data(as_text=True)
    assert "POST /v1/customers/{id}/carts" in page and "0f6b2c1e-ms-request-id" in page
    assert f"/admin/orders/{world.order_a.id}" in page


def test_a_shared_upstream_outage_is_shown_with_what_it_does_to_rotation(app, client, world):
    """/readyz answers 200 "degraded" for a broker every node shares: the admins must still
    see it, and that nodes stay in rotation because of it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app.config["CELERY_BROKER_URL"] = f"redis://127.0.0.1:{port}/0"
    login(client, world.admin)
    page = client.get("/admin/system").get_data(as_text=True)
    section = page.split('id="readiness"')[1].split("</section>")[0]
    assert "degraded" in section
    rows = dict(re.findall(r"<tr><td>(\w+)</td><td>([^<]*)</td>", section))
    assert rows["broker"].startswith("failed: ")
    assert rows["database"] == "ok" and rows["graph"] == "ok (sandbox)"
    assert "shared by every node" in section and "stays in rotation" in section
