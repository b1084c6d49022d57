"""B6 in the worker: a run waits for Microsoft's asynchronous export as Microsoft asks
(Retry-After), keeps the export's operation so that every later step, or a later visit,
polls the same one, and says on its page what it waits for or why it failed. The sandbox
answers Graph's operations as Microsoft documents them (partners-billing-operation-get);
tests play the worker and move the frozen clock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from billing import reconciliation_exports
from billing.reconciliation_models import ReconciliationRun
from billing.tasks import reconcile_step_task
from persistence import db
from tests.billing.test_reconciliation_pages import PAGE, june, worker_step  # noqa: F401
from tests.conftest import login, post_form


@pytest.fixture
def slow(pc_sandbox):
    """Microsoft still preparing the export for 5 polls, asking for 60 s between them."""
    pc_sandbox.config.billing_export_polls = 5
    pc_sandbox.config.billing_export_retry_after = 60
    return pc_sandbox


def started() -> ReconciliationRun:
    """June's run as the admin's page records it (`june` charged and invoiced it)."""
    return reconciliation_exports.start("2021-06")


def exports_asked(sandbox) -> int:
    return len(sandbox.data.get("billingExports", {}))


def test_a_slow_export_is_polled_when_microsoft_says_and_never_asked_for_again(
        june, slow, clock, pc_sleeps):  # noqa: F811
    run = started()
    waits = []
    for _ in range(5):
        worker_step(run.id)
        db.session.refresh(run)
        waits.append(run.next_poll_at)
        assert reconciliation_exports.advance(run.id, invoices=None, graph=None) is None
        clock.shift(60)  # Retry-After: 60
    worker_step(run.id)
    db.session.refresh(run)
    assert (run.state, run.different, run.polls) == ("discrepancies", 1, 6)
    assert exports_asked(slow) == 1 and not pc_sleeps  # one export; nobody slept
    assert [b - a for a, b in zip(waits, waits[1:], strict=False)] == \
        [timedelta(seconds=60)] * 4


def test_a_visit_after_the_poll_is_due_hands_the_run_to_a_worker_on_the_same_export(
        app, client, shop, june, slow, clock):  # noqa: F811
    login(client, shop.admin)
    post_form(client, PAGE, {"month": "2021-06"})
    run = db.session.query(ReconciliationRun).one()
    worker_step(run.id)
    location = run.exports[0]["location"]
    clock.shift(61)  # the worker's next message was lost
    celery = app.extensions["celery"]
    celery.conf.task_always_eager = True  # the page's message runs here, as a worker would
    try:
        page = client.get(f"{PAGE}{run.id}").get_data(as_text=True)
    finally:
        celery.conf.task_always_eager = False
    db.session.refresh(run)
    assert (run.polls, run.exports[0]["location"]) == (2, location)
    assert exports_asked(slow) == 1 and "ready after 2 check(s)" in page


def test_starting_a_month_that_is_exporting_follows_that_run(client, shop, june):  # noqa: F811
    login(client, shop.admin)
    first = post_form(client, PAGE, {"month": "2021-06"})
    again = post_form(client, PAGE, {"month": "2021-06"})
    assert first.headers["Location"] == again.headers["Location"]
    assert db.session.query(ReconciliationRun).count() == 1


def test_microsoft_not_answering_keeps_the_run_waiting_and_says_so(
        june, slow, clock, pc_sandbox):  # noqa: F811
    run = started()
    worker_step(run.id)
    fault = pc_sandbox.add_fault(endpoint="GET /v1.0/reports/partners/billing/operations/*",
                                 status=503, code="serviceUnavailable", count=50)
    clock.shift(60)
    worker_step(run.id)
    db.session.refresh(run)
    assert run.state == "exporting" and "Microsoft did not answer" in run.phase
    fault.count = 0
    slow.config.billing_export_polls = 0
    clock.shift(60)
    worker_step(run.id)
    db.session.refresh(run)
    assert run.state == "discrepancies" and exports_asked(slow) == 1


def test_an_export_microsoft_refuses_fails_the_run_with_the_reason(june, pc_sandbox):  # noqa: F811
    pc_sandbox.add_fault(endpoint="POST /v1.0/reports/partners/billing/*", status=403,
                         code="accessDenied")
    run = started()
    worker_step(run.id)
    db.session.refresh(run)
    assert run.state == "failed" and "could not be read" in run.message
    assert run.finished_at is not None


def test_an_export_still_running_after_a_day_is_given_up_saying_to_run_it_again(
        june, slow, clock):  # noqa: F811
    slow.config.billing_export_polls = 1000
    run = started()
    worker_step(run.id)
    clock.shift(25 * 3600)
    worker_step(run.id)
    db.session.refresh(run)
    assert run.state == "failed" and "still running 24 hours after" in run.message


def test_a_month_microsoft_has_not_invoiced_yet_fails_saying_when_to_come_back(
        june, clock):  # noqa: F811
    run = reconciliation_exports.start("2021-07")
    worker_step(run.id)
    db.session.refresh(run)
    assert run.state == "failed" and "has not issued an invoice for 2021-07 yet" in \
        run.message


def test_the_workers_task_answers_when_microsoft_says_to_poll_again(june, slow):  # noqa: F811
    run = started()
    assert reconcile_step_task.apply(args=(run.id,)).get() == 60  # its countdown message
    db.session.refresh(run)
    assert run.exports[0]["location"] and run.polls == 1


BLOBS = "GET /billedusagefastpath/*"  # the export's files, read with the manifest's SAS
MANIFESTS = "GET /v1.0/reports/partners/billing/manifests/*"


@pytest.mark.parametrize(("endpoint", "kind", "status"), [
    (BLOBS, "error", 503), (BLOBS, "error", 429), (MANIFESTS, "timeout", 500),
    (MANIFESTS, "error", 502)])
def test_a_failed_read_of_a_ready_export_keeps_the_run_waiting_then_reads_the_same_export(
        june, clock, pc_sandbox, endpoint, kind, status):  # noqa: F811
    """The export succeeded but reading it failed past the client's own retries (5xx, 429,
    no answer): the run waits and reads the same export again, never a new one."""
    run = started()
    worker_step(run.id)  # asked for; Microsoft: running, poll again in 1 s
    fault = pc_sandbox.add_fault(kind=kind, endpoint=endpoint, status=status, count=50)
    clock.shift(1)
    worker_step(run.id)
    db.session.refresh(run)
    assert (run.state, run.finished_at) == ("exporting", None)
    assert "Microsoft did not answer" in run.phase and run.exports[0]["manifest"]
    fault.count = 0
    clock.shift(60)
    worker_step(run.id)
    db.session.refresh(run)
    assert (run.state, run.different, run.microsoft_lines) == ("discrepancies", 1, 1)
    assert exports_asked(pc_sandbox) == 1


def test_a_ready_export_microsoft_refuses_to_hand_over_fails_the_run_saying_what_to_do(
        june, clock, pc_sandbox):  # noqa: F811
    run = started()
    worker_step(run.id)
    pc_sandbox.add_fault(endpoint=MANIFESTS, status=404, code="itemNotFound")
    clock.shift(1)
    worker_step(run.id)
    db.session.refresh(run)
    assert run.state == "failed" and "could not be read" in run.message
    assert "Run the month again" in run.message


def test_b6_the_periodic_sweep_resumes_an_export_whose_message_was_lost(
        app, june, slow, clock):  # noqa: F811
    """The worker polled once and died (its countdown message lost, nobody visits the
    page): beat's sweep hands the run to a worker once its poll is overdue, which polls the
    same export as Retry-After says until it is matched; a run not yet due is left alone."""
    from billing.tasks import resume_reconciliations_task

    slow.config.billing_export_polls = 2
    run = started()
    worker_step(run.id)
    location = run.exports[0]["location"]
    celery = app.extensions["celery"]
    celery.conf.task_always_eager = True  # the sweep's messages run here, as a worker would
    try:
        assert resume_reconciliations_task.apply().get() == 0  # due in 60 s: not yet
        for _ in range(2):
            clock.shift(180)  # past Retry-After and the sweep's grace: the message was lost
            assert resume_reconciliations_task.apply().get() == 1
        clock.shift(180)
        assert resume_reconciliations_task.apply().get() == 0  # matched: nothing to resume
    finally:
        celery.conf.task_always_eager = False
    db.session.refresh(run)
    assert (run.state, run.different, run.polls) == ("discrepancies", 1, 3)
    assert run.exports[0]["location"] == location and exports_asked(slow) == 1
