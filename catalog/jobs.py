"""Catalog jobs a worker runs for the admin's pages: a price-list upload and a Partner
Center sync (the command line keeps `flask catalog import` and `flask catalog sync`).

Policy:
- An upload applies its valid lines and reports every invalid one by line number and
  column, saying what is wrong and how to fix it. A file with invalid lines unlists
  nothing, and a file unlists only in its own markets (catalog/importer.py); the summary
  says so. A file without one valid line changes nothing.
- Progress is committed at each phase, so the progress page sees it while the job runs;
  the catalog changes themselves still commit once (importer, sync).
- A job runs once: a redelivered message for a finished job does nothing.
- A failure is recorded on the job (the admin reads it on the page); the catalog is left
  as it was, since its changes were never committed.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable

from catalog import importer
from catalog.models import CatalogJob
from catalog.price_list import RowError, parse
from catalog.price_words import counted
from catalog.sync import sync_catalog
from persistence import MAX_ID, MAX_MONEY, db, utcnow

log = logging.getLogger(__name__)

KINDS = ("import", "sync")
MAX_ERRORS_KEPT = 1000  # a report longer than this says how many more there are
ENDINGS_NAMED = 5  # the job page names this many offers ending; the CLI lists 20
# How to fix each column of Microsoft's price list, said after what is wrong with it.
NUMBER = ("use a number like 12.50, with a dot, no currency sign and at most 4 decimals, "
          f"up to {MAX_MONEY}")
DATE = "use a date like 2026-01-31"
FIXES = {
    "UnitPrice": NUMBER, "ERP Price": NUMBER,
    "TermDuration": "use P1M, P1Y or P3Y (empty only for one-time purchases)",
    "BillingPlan": "use Monthly, Annual, Triennial or OneTime",
    "Market": "use a 2-letter country code like US", "Currency": "use a 3-letter code like USD",
    "PricingTierRangeMin": f"use a whole number like 1, up to {MAX_ID}",
    "PricingTierRangeMax": f"use a whole number like 300, up to {MAX_ID}, or leave it empty",
    "EffectiveStartDate": DATE,
    "EffectiveEndDate": DATE + ", on or after the row's EffectiveStartDate (or leave it empty)",
    "Segment": "use Commercial, Education, Government or Nonprofit",
    "header": "export the price list again from Partner Center with its header row",
    "row": "remove the extra line or cells",
}


def start_import(filename: str, content: str, user_id: int | None) -> CatalogJob:
    """Record an uploaded price list as a queued job; commits (the worker reads it back)."""
    job = CatalogJob(kind="import", filename=filename, content=content, created_by_id=user_id)
    db.session.add(job)
    db.session.commit()
    return job


def start_sync(market: str, user_id: int | None) -> CatalogJob:
    """Record a Partner Center sync of one market as a queued job; commits."""
    job = CatalogJob(kind="sync", market=market.upper(), created_by_id=user_id)
    db.session.add(job)
    db.session.commit()
    return job


def run(job_id: int, client_factory: Callable[[], object]) -> CatalogJob | None:
    """Run a queued job to its end; the sync asks `client_factory` for Partner Center."""
    job = db.session.get(CatalogJob, job_id)
    if job is None or job.final:
        return job
    job.started_at = utcnow()
    _phase(job, "running", "starting", 5)
    try:
        if job.kind == "import":
            _run_import(job)
        else:
            _run_sync(job, client_factory())
    except Exception as exc:  # recorded for the admin; the catalog was not changed
        log.exception("catalog job %s failed", job_id)
        db.session.rollback()
        job = db.session.get(CatalogJob, job_id)
        job.failure = f"{type(exc).__name__}: {exc}"[:2000]
        job.finished_at = utcnow()
        _phase(job, "failed", "failed: nothing was changed", job.percent)
    return job


def _phase(job: CatalogJob, status: str, phase: str, percent: int) -> None:
    job.status, job.phase, job.percent = status, phase, percent
    db.session.commit()


def _run_import(job: CatalogJob) -> None:
    result = parse(io.StringIO(job.content, newline=""))
    job.total = len(result.rows)
    job.error_count = len(result.errors)
    job.errors = json.dumps([_reported(e) for e in result.errors[:MAX_ERRORS_KEPT]])
    if not result.rows:
        job.content, job.finished_at = "", utcnow()
        job.summary = "No valid line: nothing was imported."
        _phase(job, "failed", "no valid line in the file", 100)
        return
    _phase(job, "running", f"importing {job.total} valid lines", 40)

    def progress(count: int) -> None:
        job.processed += count  # saved with the import's own commit

    summary = importer.import_rows(result.rows, progress=progress,
                                   invalid_lines=len(result.errors))
    job.content, job.finished_at = "", utcnow()  # the file is no longer needed
    job.summary = " ".join((
        f"Prices: {summary.added} added, {summary.changed} changed, {summary.unchanged} "
        f"unchanged, {summary.no_longer_listed} no longer listed{_ending(summary)}.",
        *summary.unlisting_notes(),
        f"Catalog: {summary.products_added} new products, {summary.skus_added} new SKUs."))
    _phase(job, "done", "done", 100)


def _ending(summary: importer.ImportSummary) -> str:
    """The offers the new list leaves out, which sell until it starts: named, a few."""
    if not summary.ending:
        return ""
    shown = "; ".join(summary.endings[:ENDINGS_NAMED])
    more = f"; and {summary.ending - ENDINGS_NAMED} more" if summary.ending > ENDINGS_NAMED \
        else ""
    return f", {summary.ending} ending ({shown}{more})"


def _run_sync(job: CatalogJob, client) -> None:
    _phase(job, "running", f"asking Partner Center for market {job.market}", 10)

    def progress(done: int, total: int) -> None:
        job.processed, job.total = done, total  # saved with the sync's own commit

    summary = sync_catalog(client, job.market, progress=progress)
    job.finished_at = utcnow()
    job.summary = (f"Market {job.market}: {counted(summary.products_added, 'new product')}, "
                   f"{summary.products_updated} updated, "
                   f"{counted(summary.skus_added, 'new SKU')}; "
                   f"{summary.c3_words(job.market)}.")
    _phase(job, "done", "done", 100)


def _reported(error: RowError) -> list:
    return [error.line, error.field, error.message, FIXES.get(error.field, "")]


def error_report(job: CatalogJob) -> list[str]:
    """Each invalid line as a sentence: "line 14, column UnitPrice: 'abc' is not a number;
    use a number like 12.50, …"."""
    return [f"line {line}, column {column}: {message}" + (f"; {fix}" if fix else "")
            for line, column, message, fix in json.loads(job.errors or "[]")]


def error_rows(job: CatalogJob) -> list[list]:
    """The error report as spreadsheet rows: line, column, problem, how to fix it."""
    return json.loads(job.errors or "[]")
