"""Issue 26: /metrics in Prometheus' format, moved by a provisioning run, and closed to
the public."""

from __future__ import annotations

import socket

from prometheus_client.parser import text_string_to_metric_families

from connectors.partner_center.sandbox.faults import Fault
from storefront import create_app
from tests.conftest import PASSWORD, on_database, post_form
from tests.operations.orders import place, provision

CARTS = "POST /v1/customers/{id}/carts"
PUBLIC = {"REMOTE_ADDR": "203.0.113.9"}


def scrape(client) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.get_data(as_text=True))
            for sample in family.samples}


def value(samples, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_a_provisioning_run_moves_the_named_series(app, client, world, pc_sandbox):
    before = scrape(client)
    # Partner Center throttles the first cart once: the client waits and retries.
    pc_sandbox.faults.add(Fault(status=429, endpoint="POST */carts", count=1))
    order = place(client, world)
    queued = scrape(client)
    assert value(queued, "csp_provisioning_queue_depth") == 1
    assert value(queued, "csp_orders", state="submitted") == \
        value(before, "csp_orders", state="submitted") + 1
    provision(order)
    after = scrape(client)

    assert value(after, "csp_provisioning_queue_depth") == 0
    assert value(after, "csp_provisioning_oldest_pending_age_seconds") == 0
    assert value(after, "csp_orders", state="provisioned") == \
        value(before, "csp_orders", state="provisioned") + 1
    assert value(after, "csp_orders_needing_attention") == 0
    assert value(after, "csp_tasks_total", task="provisioning.provision_order",
                 outcome="SUCCESS") == value(before, "csp_tasks_total",
                                             task="provisioning.provision_order",
                                             outcome="SUCCESS") + 1
    for status, moved in (("429", 1), ("201", 1)):
        assert value(after, "csp_upstream_calls_total", upstream="partner_center",
                     operation=CARTS, status=status) - value(
            before, "csp_upstream_calls_total", upstream="partner_center", operation=CARTS,
            status=status) == moved
    assert value(after, "csp_upstream_throttled_total", upstream="partner_center") == \
        value(before, "csp_upstream_throttled_total", upstream="partner_center") + 1
    assert value(after, "csp_upstream_retries_total", upstream="partner_center") >= \
        value(before, "csp_upstream_retries_total", upstream="partner_center") + 1
    assert value(after, "csp_upstream_call_duration_seconds_count", upstream="partner_center",
                 operation=CARTS) >= 2
    assert value(after, "csp_http_requests_total", endpoint="checkout.place", method="POST",
                 status="302") >= 1


def test_the_page_lists_every_named_series(client):
    text = client.get("/metrics").get_data(as_text=True)
    for name in ("csp_http_requests_total", "csp_http_request_duration_seconds",
                 "csp_orders", "csp_provisioning_queue_depth",
                 "csp_provisioning_oldest_pending_age_seconds", "csp_orders_needing_attention",
                 "csp_upstream_calls_total", "csp_upstream_call_duration_seconds",
                 "csp_upstream_throttled_total", "csp_upstream_retries_total",
                 "csp_sign_in_failures_total", "csp_sign_in_throttled_total",
                 "csp_token_expiry_timestamp_seconds", "csp_tasks_total", "csp_check_up"):
        assert f"# TYPE {name} " in text, name


def test_sign_in_failures_are_counted(client, world):
    before = scrape(client)
    post_form(client, "/login", {"email": world.admin.email, "password": PASSWORD + "x"})
    after = scrape(client)
    assert value(after, "csp_sign_in_failures_total") == \
        value(before, "csp_sign_in_failures_total") + 1


def test_without_a_token_only_loopback_may_scrape(client):
    assert client.get("/metrics", environ_base=PUBLIC).status_code == 404
    assert client.get("/metrics").status_code == 200  # the test client is 127.0.0.1


def test_with_a_token_only_its_bearer_may_scrape_from_anywhere(app, client):
    app.config["METRICS_TOKEN"] = "scrape-token-for-tests"
    assert client.get("/metrics").status_code == 404  # loopback is not enough now
    assert client.get("/metrics", environ_base=PUBLIC,
                      headers={"Authorization": "Bearer wrong"}).status_code == 404
    assert client.get("/metrics", environ_base=PUBLIC, headers={
        "Authorization": "Bearer scrape-token-for-tests"}).status_code == 200


def test_with_the_database_down_the_page_still_answers_and_says_so(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app(on_database(f"postgresql+psycopg://u:pw@127.0.0.1:{port}/storefront"))
    response = app.test_client().get("/metrics")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "csp_database_up 0.0" in text and "csp_http_requests_total" in text


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_shared_upstream_readiness_lets_pass_shows_as_down(app, client):
    """/readyz keeps a node in rotation while the broker every node shares is down, so the
    outage must show here: each readiness check is a gauge, with the scope it fails."""
    app.config["CELERY_BROKER_URL"] = f"redis://127.0.0.1:{closed_port()}/0"
    samples = scrape(client)
    up = {labels: found for (name, labels), found in samples.items() if name == "csp_check_up"}
    assert up == {(("check", "broker"), ("scope", "shared")): 0.0,
                  (("check", "partner_center"), ("scope", "shared")): 1.0,
                  (("check", "graph"), ("scope", "shared")): 1.0,
                  (("check", "database"), ("scope", "node")): 1.0,
                  (("check", "migrations"), ("scope", "node")): 1.0}
    assert client.get("/readyz").status_code == 200
