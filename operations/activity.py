"""Writes the status page's rows: each task's last run per worker and the upstream errors
the task met.

Written when a worker's task has ended, in a fresh app context and so a session of its own:
a row about the work never rolls back with it nor holds its transaction open. Upstream
errors are noted in memory while a call fails (inside the task's transaction, where writing
would be unsafe) and stored with the run. Eager runs (tests, CELERY_TASK_ALWAYS_EAGER) have
no worker to watch and record nothing; errors met in web requests are in the logs and the
metrics (csp_upstream_calls_total by status), not on the page.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import delete, func, select

from operations import context
from operations.models import TaskRun, UpstreamError
from persistence import db, utcnow

log = logging.getLogger("operations.activity")
KEEP_ERRORS = 200  # the newest rows kept; the logs and metrics hold the rest
NOTED = "upstream_errors"


def note_upstream_error(upstream: str, operation: str, status: str, request_id: str) -> None:
    """Remember a failed call for the running task (outside a task: nothing to do)."""
    fields = context.current()
    if "task" not in fields:
        return
    context.bind(**{NOTED: [*fields.get(NOTED, ()), {  # type: ignore[misc]
        "at": utcnow(), "upstream": upstream, "operation": operation[:200],
        "status": status[:20], "request_id": (request_id or "")[:100],
        "order_id": fields.get("order_id") if isinstance(fields.get("order_id"), int)
        else None}]})


def record_task_run(task: str, hostname: str, state: str, started: datetime | None,
                    error: str = "") -> None:
    """Upsert the task's row for this worker and store the errors it met (commits)."""
    try:
        run = db.session.get(TaskRun, (task, hostname)) or TaskRun(task=task, hostname=hostname,
                                                                   runs=0)
        run.last_started_at, run.last_finished_at = started, utcnow()
        run.last_state, run.last_error = state, error[:300]
        run.runs += 1
        db.session.add(run)
        _store_errors(context.current().get(NOTED) or [])
        db.session.commit()
    except Exception:  # noqa: BLE001 - the status page must never break the work it watches
        db.session.rollback()
        log.exception("could not record the run of %s", task)


def _store_errors(rows: list[dict]) -> None:
    if not rows:
        return
    db.session.add_all(UpstreamError(**row) for row in rows)
    db.session.flush()
    newest = db.session.scalar(select(func.max(UpstreamError.id)))
    db.session.execute(delete(UpstreamError).where(UpstreamError.id <= newest - KEEP_ERRORS))
