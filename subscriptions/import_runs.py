"""Runs of the Partner Center import: one at a time, each recorded with its progress.

The command line and the admin page's button both record a run first (`start`), then run
it (`execute`, in the process or a Celery worker). The run's row is what the admin page
shows: its state, the pages and customers read so far, the counts and the reasons.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from connectors.partner_center import PartnerCenterClient
from persistence import db
from subscriptions.adoption import PAGE_SIZE, ImportSummary, import_customers
from subscriptions.models import PartnerCenterImport

# A running import writes its heartbeat after every page; one silent this long has died
# (a worker killed mid-run) and no longer blocks a new one.
STALE_AFTER = timedelta(minutes=30)


class ImportRunning(Exception):
    """Another import is running; only one may, or both would create the same customers."""


def latest() -> PartnerCenterImport | None:
    """The newest run, for the admin page."""
    return db.session.scalars(select(PartnerCenterImport)
                              .order_by(PartnerCenterImport.id.desc())).first()


def start(user=None) -> PartnerCenterImport:
    """Record a new running import, refusing while another one is alive."""
    _retire_stale(datetime.now(UTC))
    run = PartnerCenterImport(running=1, started_by=user)
    db.session.add(run)
    try:
        db.session.commit()
    except IntegrityError:  # the unique `running` column: someone else's run is running
        db.session.rollback()
        raise ImportRunning("A Partner Center import is already running; its progress is "
                            "on the import page.") from None
    return run


def _retire_stale(now: datetime) -> None:
    """Mark runs without a heartbeat for STALE_AFTER as failed, freeing the slot."""
    db.session.execute(
        update(PartnerCenterImport)
        .where(PartnerCenterImport.running.is_not(None),
               PartnerCenterImport.updated_at < now - STALE_AFTER)
        .values(state="failed", running=None, finished_at=now,
                error="Stopped without finishing (no progress for "
                      f"{STALE_AFTER.seconds // 60} minutes); import again to go on."))
    db.session.commit()


def execute(run_id: int, client: PartnerCenterClient, *, page_size: int = PAGE_SIZE,
            on_page: Callable[[ImportSummary], None] | None = None) -> ImportSummary | None:
    """Run a recorded import: progress after every page, the outcome at the end. A failure
    is recorded on the run, then raised. None when the run is no longer running (a Celery
    message delivered again after its run was retired)."""
    run = db.session.get(PartnerCenterImport, run_id)
    if run is None or run.state != "running":
        return None

    def progress(summary: ImportSummary) -> None:
        _record(run_id, summary)
        if on_page is not None:
            on_page(summary)

    try:
        summary = import_customers(client, page_size=page_size, on_page=progress)
    except Exception as error:  # whatever it was, the run must not stay "running"
        db.session.rollback()
        _close(run_id, "failed", error=f"{type(error).__name__}: {error}")
        raise
    _close(run_id, "finished", summary)
    return summary


def _record(run_id: int, summary: ImportSummary) -> None:
    """The heartbeat: pages, customers read and counts so far, committed."""
    run = db.session.get(PartnerCenterImport, run_id)
    run.pages, run.customers_read = summary.pages, summary.customers_read
    run.summary = summary.as_dict()
    run.updated_at = datetime.now(UTC)
    db.session.commit()


def _close(run_id: int, state: str, summary: ImportSummary | None = None,
           error: str = "") -> None:
    """End the run (a failed one keeps the progress of the pages it committed)."""
    run = db.session.get(PartnerCenterImport, run_id)
    if summary is not None:
        run.pages, run.customers_read = summary.pages, summary.customers_read
        run.summary = summary.as_dict()
    run.state, run.running, run.error = state, None, error[:2000]
    run.finished_at = datetime.now(UTC)
    db.session.commit()
