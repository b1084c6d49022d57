"""The durable job: one worker at a time, leases that expire, a reconciler that re-drives."""

from __future__ import annotations

from datetime import UTC, timedelta

from orders.models import utcnow
from persistence import db
from provisioning.jobs import claim, due_jobs, reconcile, run_job
from tests.provisioning.factories import make_order


def test_only_one_worker_can_hold_an_orders_job(pc_app):
    order = make_order()
    assert claim(order.id) is True
    assert claim(order.id) is False
    assert order.job.state == "running"
    assert order.job.locked_until.replace(tzinfo=UTC) > utcnow()  # SQLite drops the zone


def test_a_job_held_by_a_live_worker_is_left_alone(pc_app, pc_client, pc_sandbox):
    order = make_order()
    claim(order.id)
    assert run_job(order.id, pc_client) is None
    assert order.status == "submitted" and pc_sandbox.count("customers") == 2


def test_the_lease_of_a_killed_worker_expires_and_the_job_is_claimed_again(pc_app):
    order = make_order()
    claim(order.id)
    later = utcnow() + timedelta(seconds=301)
    assert claim(order.id, now=later) is True


def test_a_finished_job_is_never_run_again(pc_app, pc_client, pc_sandbox):
    order = make_order()
    run_job(order.id, pc_client)
    assert claim(order.id) is False
    assert run_job(order.id, pc_client) is None and pc_sandbox.count("orders") == 1


def test_the_reconciler_re_drives_overdue_and_abandoned_jobs_only(pc_app, pc_client):
    never_sent, abandoned, done, fresh = (make_order() for _ in range(4))
    never_sent.job.run_after = utcnow() - timedelta(minutes=5)
    claim(abandoned.id)
    abandoned.job.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    run_job(done.id, pc_client)
    sent: list[int] = []
    assert reconcile(sent.append) == sent == [never_sent.id, abandoned.id]
    assert fresh.id in due_jobs(now=utcnow() + timedelta(minutes=2))
