"""The scale-out path with real processes: the sandbox server on 127.0.0.1, Celery workers
on the SQLite broker (SQLite database) and on Redis (PostgreSQL database, `postgres` mark).

100 orders, 10% injected timeouts, 5xx and 429, every message sent twice (two workers race
for each job), and the first worker SIGKILLed mid-run and replaced: zero duplicate
customers or orders in Partner Center, zero lost orders.
"""

from __future__ import annotations

import os
from collections import Counter

import pytest
from sqlalchemy import func, select

from orders.models import Order, OrderLine, ProvisioningJob
from persistence import db
from subscriptions.models import Subscription
from tests.provisioning.databases import REDIS_ENV, skip_without
from tests.provisioning.factories import make_order, reseller_user
from tests.provisioning.stack import Stack, wait_until

ORDERS = 100
SETTLED = ("done", "attention")


@pytest.fixture
def stack(app, tmp_path):
    """Processes for this test's database; stopped even when the test fails."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite"):
        broker = f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}"
    else:
        skip_without(REDIS_ENV)
        # A Redis database per pytest-xdist worker: workers of two tests running at once
        # must never take each other's tasks.
        worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
        broker = os.environ[REDIS_ENV].rstrip("/") + f"/{2 + int(worker or 0) % 14}"
        import redis

        redis.Redis.from_url(broker).flushdb()
    stack = Stack(tmp_path, url, broker, settings={
        "PARTNER_CENTER_READ_TIMEOUT": "0.25", "PROVISIONING_LEASE_SECONDS": "4",
        "PROVISIONING_BACKOFF_SECONDS": "0.2", "PROVISIONING_BACKOFF_CAP_SECONDS": "2",
        "PROVISIONING_POLL_SECONDS": "0.2", "PROVISIONING_RECONCILE_SECONDS": "1",
        "PROVISIONING_RECONCILE_GRACE_SECONDS": "3"})
    try:
        stack.start_sandbox(polls=1)
        stack.sandbox("/_sandbox/config", {"timeout_sleep_seconds": 0.4})
        yield stack
    finally:
        stack.stop()


def settled() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).where(ProvisioningJob.state.in_(SETTLED)))


def inject_faults(stack: Stack) -> None:
    """10% of requests fail, a third each: answers lost after the write, 503, 429."""
    for fault in ({"kind": "timeout", "endpoint": "POST *", "ratio": 0.1 / 3 * 2},
                  {"kind": "error", "status": 503, "ratio": 0.1 / 3},
                  {"kind": "error", "status": 429, "ratio": 0.1 / 3, "retry_after": 1}):
        stack.sandbox("/_sandbox/faults", fault | {"count": None})


def test_a_fault_run_with_a_killed_worker_loses_and_doubles_nothing(app, stack):
    user = reseller_user()
    ids = [make_order(user).id for _ in range(ORDERS)]
    inject_faults(stack)
    first = stack.worker(pool="prefork", concurrency=2, name="first")
    stack.send(ids, copies=2)
    assert wait_until(lambda: settled() >= ORDERS // 3 or first.poll() is not None,
                      timeout=120)
    assert first.poll() is None, (stack.tmp / "worker-first.log").read_text()[-3000:]
    stack.kill(first)
    stack.worker(pool="prefork", concurrency=2, name="second")
    assert wait_until(lambda: settled() == ORDERS, timeout=180), Counter(
        db.session.scalars(select(ProvisioningJob.state)))

    orders = db.session.scalars(select(Order)).all()
    assert all(o.status == "provisioned" or (o.status == "needs_attention" and o.status_reason
                                             and o.next_step) for o in orders)
    assert Counter(o.status for o in orders)["provisioned"] >= ORDERS * 0.95
    data = stack.sandbox("/_sandbox/state")["data"]
    domains = Counter(c["companyProfile"]["domain"] for c in data["customers"].values())
    assert max(domains.values()) == 1 and len(domains) == 2 + ORDERS
    ordered = [c for c in data["carts"].values() if c["wire"]["status"] == "Ordered"]
    assert len(data["orders"]) == len(ordered) == ORDERS
    assert sorted(db.session.scalars(select(OrderLine.pc_order_id))) == sorted(data["orders"])
    assert len(data["subscriptions"]) == db.session.scalar(
        select(func.count(Subscription.id))) == ORDERS
