"""A scaled-down fault run: 100 orders, 10% injected faults, one worker killed mid-run.

Zero duplicate Partner Center customers or orders, zero lost orders: each one ends
provisioned or in needs_attention with a reason.
"""

from __future__ import annotations

from collections import Counter, deque

from sqlalchemy import select

from orders.models import Order, OrderLine
from persistence import db
from provisioning.jobs import reconcile, run_job
from subscriptions.models import Subscription
from tests.provisioning.factories import make_order, reseller_user

ORDERS = 100


class WorkerKilled(BaseException):
    """SIGKILL: nothing of the worker's own error handling runs."""


def inject_faults(sandbox) -> None:
    """10% of requests fail: answers lost after the write, 5xx and 429 (a third each)."""
    sandbox.add_fault("timeout", "POST *", count=None, ratio=0.1 / 3 * 2)
    sandbox.add_fault("error", "*", status=503, count=None, ratio=0.1 / 3)
    sandbox.add_fault("error", "*", status=429, count=None, ratio=0.1 / 3, retry_after=1)


def kill_at_cart_number(n: int):
    """A checkpoint that kills the worker right after the n-th cart write of the run."""
    carts: list[str] = []

    def checkpoint(step: str) -> None:
        if step == "cart":
            carts.append(step)
            if len(carts) == n:
                raise WorkerKilled

    return checkpoint


def drain(ids, client, checkpoint) -> list[int]:
    """One worker taking jobs off the queue, restarted once killed; returns the killed job."""
    queue, killed = deque(ids), []
    while queue:
        order_id = queue.popleft()
        try:
            if run_job(order_id, client, checkpoint=checkpoint) is not None:
                queue.append(order_id)
        except WorkerKilled:
            db.session.rollback()  # the process is gone; its lease stays on the job
            killed.append(order_id)  # its message is gone too (the reconciler must find it)
    return killed


def test_a_fault_run_loses_and_doubles_nothing(pc_app, pc_client, pc_sandbox):
    pc_app.config.update(PROVISIONING_LEASE_SECONDS=-1)  # a dead worker's lease is over at once
    user = reseller_user()
    ids = [make_order(user).id for _ in range(ORDERS)]
    inject_faults(pc_sandbox)
    checkpoint = kill_at_cart_number(ORDERS // 2)
    killed = drain(ids, pc_client, checkpoint)
    assert len(killed) == 1 and db.session.get(Order, killed[0]).job.state == "running"
    assert reconcile(lambda _id: None, grace_seconds=0) == killed
    drain(killed, pc_client, checkpoint)

    orders = db.session.scalars(select(Order)).all()
    assert all(o.status == "provisioned" or (o.status == "needs_attention" and o.status_reason
                                             and o.next_step) for o in orders)
    assert Counter(o.status for o in orders)["provisioned"] >= ORDERS * 0.95
    data = pc_sandbox.snapshot()
    domains = Counter(c["companyProfile"]["domain"] for c in data["customers"].values())
    assert max(domains.values()) == 1
    ordered_carts = [c for c in data["carts"].values() if c["wire"]["status"] == "Ordered"]
    assert len(data["orders"]) == len(ordered_carts) == len(
        {o.pc_cart_id for o in orders if o.status == "provisioned"})
    local_pc_orders = db.session.scalars(select(OrderLine.pc_order_id)).all()
    assert sorted(local_pc_orders) == sorted(data["orders"])
    assert len(data["subscriptions"]) == db.session.query(Subscription).count()
