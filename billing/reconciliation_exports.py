"""B6 from the admin's page: a month's reconciliation waits for Microsoft's asynchronous
exports in a worker, not in a web request, and remembers each export's operation, so it
goes on polling the same one however long Microsoft takes, and a later step never asks
for a new export.

Microsoft's flow (learn.microsoft.com/partner-center/developer/billed-invoice-
reconciliation, graph/api/partners-billing-operation-get): POST .../billed/export answers
202 with a Location; "poll this URL at regular intervals until you receive a success
status with a manifest URL". Each GET answers 200: a runningOperation (with Retry-After),
an exportSuccessOperation naming the manifest, or a failedOperation saying why.

Policy:
- `start` records the run as exporting and commits; while a run of the month is
  exporting, starting the month again answers that run (no second export).
- `advance` is one step, committed: list the month's invoices, ask for each invoice's
  export (its Location committed as soon as Microsoft answers), then poll each operation
  once, never before the last Retry-After; once every export has succeeded, read them and
  match (billing.reconciliation.compare). It answers the seconds until the next poll is
  due, or None when this step leaves nothing to schedule (the run ended, or another step
  holds it).
- Nothing but a message moves a run, and a message can be lost (a worker killed while
  its countdown waited, a broker lost): beat's sweep (`resume_due`) hands every exporting
  run whose poll is overdue by RESUME_GRACE to a worker again, as a page visit does; the
  step polls the run's recorded operation, so a resumed run never asks for a second one.
- A step claims the run by moving `next_poll_at` ahead (a lease): two messages (one
  redelivered, one a page sent) never poll or match one run at the same time, and a run
  whose worker died is taken up again once the lease has passed.
- Microsoft's transient failures (throttling, 5xx, timeouts, after the client's own
  retries, which reuse the call's request id) keep the run waiting, no sooner than
  Microsoft's Retry-After, and are said on the page; that holds for reading an export
  that succeeded too (its manifest and files): the next step reads the same export again.
  A failed operation, a refusal, an unreadable answer, or a run still waiting MAX_AGE
  after it started fail the run with the reason and what to do.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm.attributes import flag_modified

from billing.reconciliation import (
    InvoiceSource,
    compared,
    finish,
    new_run,
    not_issued,
    unreadable,
)
from billing.reconciliation_models import ReconciliationRun, RunState
from connectors.graph import GraphError
from connectors.partner_center import PartnerCenterError
from persistence import as_utc, db, utcnow

log = logging.getLogger(__name__)

DEFAULT_WAIT = 5.0  # seconds, when a running operation names no Retry-After
ERROR_WAIT = 60.0  # after a transient failure, before asking again
LEASE = timedelta(minutes=5)  # a step's hold on its run (its calls all have timeouts)
MATCH_LEASE = timedelta(hours=1)  # reading and matching a large month
MAX_AGE = timedelta(hours=24)  # an export still running then is given up
NUDGE_EVERY = timedelta(seconds=30)  # a page hands a due run to a worker at most this often
# How late a run's poll may be before the sweep resends it: its own message, sent with the
# Retry-After as countdown, is then lost rather than on its way.
RESUME_GRACE = timedelta(seconds=60)


class OperationSource(Protocol):
    """Graph's billing exports (connectors.graph.billing.BillingApi)."""

    def export_billed_reconciliation(self, invoice_id: str) -> str: ...
    def get_billing_operation(self, location: str) -> Any: ...
    def get_billing_manifest(self, location: str) -> Any: ...
    def manifest_line_items(self, manifest: Any) -> Any: ...


def start(month: str, started_by_id: int | None = None) -> ReconciliationRun:
    """Record a run of the month that a worker takes on (commits), or the run of the month
    already exporting; refuses a month not written YYYY-MM (BillingInputError)."""
    run = new_run(month, RunState.EXPORTING, started_by_id)
    waiting = db.session.scalars(select(ReconciliationRun).where(
        ReconciliationRun.month == run.month, ReconciliationRun.state == RunState.EXPORTING)
        .order_by(ReconciliationRun.id.desc())).first()
    if waiting is not None:
        return waiting
    run.phase = "Waiting for a worker to ask Microsoft for the month's export."
    db.session.add(run)
    db.session.commit()
    return run


def due(run: ReconciliationRun, now: datetime | None = None) -> bool:
    """Whether an exporting run's next poll is due and no page handed it to a worker in
    the last NUDGE_EVERY: a visit then sends it (a lost message, a dead worker)."""
    now = now or utcnow()
    poll, nudged = as_utc(run.next_poll_at), as_utc(run.nudged_at)
    return (run.state == RunState.EXPORTING and (poll is None or poll <= now)
            and (nudged is None or nudged <= now - NUDGE_EVERY))


def nudged(run: ReconciliationRun, now: datetime | None = None) -> None:
    """Note that a page handed the run to a worker (commits)."""
    run.nudged_at = now or utcnow()
    db.session.commit()


def resume_due(enqueue: Callable[[int], None], now: datetime | None = None,
               grace: timedelta = RESUME_GRACE) -> list[int]:
    """Hand each exporting run whose poll is overdue by `grace` (and that no page or sweep
    handed over in the last NUDGE_EVERY) to a worker again (commits); their ids. The
    worker's claim keeps a duplicate message from polling twice."""
    now = now or utcnow()
    late = now - grace
    runs = list(db.session.scalars(select(ReconciliationRun).where(
        ReconciliationRun.state == RunState.EXPORTING,
        or_(ReconciliationRun.next_poll_at <= late,
            and_(ReconciliationRun.next_poll_at.is_(None),
                 ReconciliationRun.started_at <= late)),
        or_(ReconciliationRun.nudged_at.is_(None),
            ReconciliationRun.nudged_at <= now - NUDGE_EVERY))
        .order_by(ReconciliationRun.id)))
    for run in runs:
        run.nudged_at = now
    db.session.commit()  # noted before sending: a failing send is retried next sweep
    for run in runs:
        enqueue(run.id)
    return [run.id for run in runs]


def advance(run_id: int, *, invoices: InvoiceSource, graph: OperationSource,
            now: datetime | None = None) -> float | None:
    """One step of an exporting run (see the module's policy); seconds until the next."""
    now = now or utcnow()
    run = _claim(run_id, now)
    if run is None:
        return None
    try:
        return _step(run, invoices, graph, now)
    except (GraphError, PartnerCenterError, ValueError) as error:
        db.session.rollback()  # nothing half-read or half-matched is kept
        return _failed_call(db.session.get(ReconciliationRun, run_id), error, now)
    except Exception as error:  # whatever it was, the run must not wait for ever
        log.exception("reconciliation run %s failed", run_id)
        db.session.rollback()
        finish(db.session.get(ReconciliationRun, run_id),
               message=f"The run stopped: {type(error).__name__}: {error}")
        return None


def _failed_call(run: ReconciliationRun, error: Exception, now: datetime) -> float | None:
    """A transient failure keeps the run waiting (no sooner than Retry-After), unless it
    has waited MAX_AGE; anything else fails it, saying what to do."""
    if getattr(error, "retryable", False) and now - as_utc(run.started_at) <= MAX_AGE:
        return _wait(run, now, max(ERROR_WAIT, getattr(error, "retry_after", None) or 0),
                     f"Microsoft did not answer ({error}); asking again")
    ready = bool(run.exports) and all(e["manifest"] for e in run.exports)
    advice = (" Run the month again: it asks Microsoft for a new export."
              if ready else " Check the error, then run the month again.")
    finish(run, message=unreadable(error) + advice)
    return None


def _claim(run_id: int, now: datetime) -> ReconciliationRun | None:
    """The run, held for LEASE, if it is exporting and due; else None."""
    held = db.session.execute(
        update(ReconciliationRun)
        .where(ReconciliationRun.id == run_id, ReconciliationRun.state == RunState.EXPORTING,
               or_(ReconciliationRun.next_poll_at.is_(None),
                   ReconciliationRun.next_poll_at <= now))
        .values(next_poll_at=now + LEASE)
        .execution_options(synchronize_session=False))
    db.session.commit()
    if held.rowcount != 1:
        return None
    run = db.session.get(ReconciliationRun, run_id)
    db.session.refresh(run)
    return run


def _step(run: ReconciliationRun, invoices: InvoiceSource, graph: OperationSource,
          now: datetime) -> float | None:
    if not run.exports:
        found = invoices.invoices_for(run.month)
        if not found:
            finish(run, message=not_issued(run.month))
            return None
        _exports_changed(run, [{"invoice": i.id, "location": "", "manifest": ""}
                               for i in found])
        run.invoice_ids = ", ".join(i.id for i in found)[:200]
        db.session.commit()
    for export in run.exports:
        if not export["location"]:
            export["location"] = graph.export_billed_reconciliation(export["invoice"])
            _exports_changed(run, run.exports)
            db.session.commit()  # kept before anything else can fail: polled, never re-asked
    waits = _poll(run, graph)
    if waits is None:
        return None
    if waits:
        if now - as_utc(run.started_at) > MAX_AGE:
            finish(run, message=f"Microsoft's export was still running {_hours(MAX_AGE)} "
                                "after it was asked for; run the month again for a new one.")
            return None
        return _wait(run, now, max(waits), "Microsoft is preparing the export")
    run.next_poll_at, run.phase = now + MATCH_LEASE, ("Reading Microsoft's lines and "
                                                      "matching them with our charges.")
    db.session.commit()
    # Reading failures reach advance: a transient one waits and reads the same exports again.
    compared(run, [e["invoice"] for e in run.exports], _Manifests(graph, run.exports))
    return None


def _poll(run: ReconciliationRun, graph: OperationSource) -> list[float] | None:
    """Poll each export not ready yet: the waits Microsoft asks for (none: all ready), or
    None when one failed (the run is finished as failed)."""
    waits = []
    for export in run.exports:
        if export["manifest"]:
            continue
        operation = graph.get_billing_operation(export["location"])
        if operation.status == "succeeded" and operation.manifest_url:
            export["manifest"] = operation.manifest_url
        elif operation.status == "failed":
            code = f" (code {operation.error_code})" if operation.error_code else ""
            finish(run, message=f"Microsoft's export of invoice {export['invoice']} failed: "
                                f"{operation.error_message or 'no reason given'}{code}.")
            return None
        else:
            waits.append(operation.retry_after or DEFAULT_WAIT)
    run.polls += 1
    _exports_changed(run, run.exports)
    return waits


def _wait(run: ReconciliationRun, now: datetime, seconds: float, why: str) -> float:
    """Keep the run exporting until its next poll, saying so on the page (commits)."""
    run.next_poll_at = now + timedelta(seconds=seconds)
    ready = sum(1 for e in run.exports if e["manifest"])
    run.phase = (f"{why}: {ready} of {len(run.exports)} invoice export(s) ready after "
                 f"{run.polls} check(s); next check at "
                 f"{run.next_poll_at:%Y-%m-%d %H:%M:%S} UTC.")[:300]
    db.session.commit()
    return seconds


def _exports_changed(run: ReconciliationRun, exports: list[dict[str, str]]) -> None:
    run.exports = exports
    flag_modified(run, "exports")  # a list changed in place is not seen as changed


def _hours(span: timedelta) -> str:
    return f"{int(span.total_seconds() // 3600)} hours"


class _Manifests:
    """Each invoice's succeeded export, read through its manifest (asked for now, so its
    SAS token is fresh), as billing.reconciliation.compare reads an export."""

    def __init__(self, graph: OperationSource, exports: list[dict[str, str]]) -> None:
        self._graph = graph
        self._manifests = {e["invoice"]: e["manifest"] for e in exports}

    def billed_reconciliation(self, invoice_id: str):
        manifest = self._graph.get_billing_manifest(self._manifests[invoice_id])
        return self._graph.manifest_line_items(manifest)
