"""Issue 26 with a real Celery worker (SQLite broker, the sandbox over HTTP): the request id
sent with a provisioning message is on the worker's JSON log lines of that order, beside
the Partner Center request ids; the run is recorded for the status page; and the worker's
metrics, written to its multiprocess directory, reach the web's /metrics."""

from __future__ import annotations

import json

import pytest
from celery import Celery
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from operations import metrics
from operations.models import TaskRun
from orders.models import ProvisioningJob
from persistence import db
from tests.provisioning.factories import make_order, reseller_user
from tests.provisioning.stack import Stack, wait_until

CLICK = "click-real-worker-0001"


@pytest.fixture
def stack(app, tmp_path):
    (tmp_path / "metrics").mkdir()
    stack = Stack(tmp_path, app.config["SQLALCHEMY_DATABASE_URI"],
                  f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}", settings={
                      "LOG_FORMAT": "json", "LOG_LEVEL": "INFO",
                      "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")})
    try:
        stack.start_sandbox(polls=1)
        yield stack
    finally:
        stack.stop()


def done(order_id: int) -> bool:
    db.session.expire_all()
    return db.session.scalar(select(ProvisioningJob.state).filter_by(order_id=order_id)) \
        == "done"


def test_a_worker_logs_the_order_under_the_clicks_request_id_and_records_its_run(
        app, stack):
    order = make_order(reseller_user())
    producer = Celery(broker=stack.broker_url)
    try:  # as the web app publishes it (operations/celery_hooks.py adds the header)
        producer.send_task("provisioning.provision_order", args=[order.id],
                           headers={"request_id": CLICK})
    finally:
        producer.close()
    # Started after the message waits in the broker: a worker starting while the producer
    # publishes can race it to create the SQLite broker's queue row (kombu's
    # UNIQUE kombu_queue.name failed once in make test).
    stack.worker(beat=False, name="ops")
    log = stack.tmp / "worker-ops.log"
    assert wait_until(lambda: done(order.id), timeout=90), log.read_text()[-3000:]

    lines = [json.loads(line) for line in log.read_text().splitlines()
             if line.startswith("{")]
    of_order = [line for line in lines if line.get("order_id") == order.id]
    assert of_order and {line["request_id"] for line in of_order} == {CLICK}
    calls = [line for line in of_order if line.get("upstream") == "partner_center"]
    assert calls and all(line["ms_request_id"] for line in calls)

    assert wait_until(lambda: db.session.scalar(select(TaskRun).filter_by(
        task="provisioning.provision_order")) is not None, timeout=10)
    run = db.session.scalar(select(TaskRun).filter_by(task="provisioning.provision_order"))
    assert run.last_state == "SUCCESS" and run.hostname.startswith("ops@")

    scraped, _ = metrics.exposition(worker_dirs=str(stack.tmp / "metrics"))
    samples = [(s.name, s.labels, s.value)
               for family in text_string_to_metric_families(scraped.decode())
               for s in family.samples]
    # One run, or two when the first found Partner Center still provisioning and re-queued.
    assert [value for name, labels, value in samples if name == "csp_tasks_total"
            and labels == {"task": "provisioning.provision_order", "outcome": "SUCCESS"}
            ] in ([1.0], [2.0])
    assert sum(value for name, labels, value in samples if name == "csp_upstream_calls_total"
               and labels["upstream"] == "partner_center") >= len(calls)
