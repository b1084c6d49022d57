"""Operations endpoints: /readyz (public, like /healthz), /metrics (Prometheus; a bearer
token from METRICS_TOKEN, or loopback only when none is set) and the provider admins'
system status page."""

from __future__ import annotations

import hmac
from datetime import UTC, datetime, timedelta

from celery.schedules import crontab
from flask import Blueprint, abort, current_app, render_template, request
from sqlalchemy import select

from accounts.models import Role
from connectors.graph.app_client import get_graph_client
from connectors.graph.client import graph_mode
from connectors.partner_center.app_client import get_client
from operations import health, metrics, tokens
from operations.models import TaskRun, UpstreamError
from persistence import as_utc, db, utcnow
from storefront.security import roles_required

bp = Blueprint("operations", __name__)
LOOPBACK = {"127.0.0.1", "::1"}
RECENT_ERRORS = 20
# The tasks that copy Partner Center's data into ours, shown as "last sync".
SYNCS = {"subscriptions.sync": "Subscriptions from Partner Center",
         "catalog.run_job": "Catalog (price-list import or sync)"}


@bp.route("/readyz")
def readyz():
    """Readiness for load balancers and deploys: 503 only when this node cannot serve (its
    database, its migrations); a shared upstream's failure is 200 "degraded", named
    (operations/health.py)."""
    ready, body = health.run(_checks())
    return body, 200 if ready else 503


def _checks() -> dict:
    """The readiness checks, as /readyz, /metrics and /admin/system run them."""
    config = current_app.config
    return {
        "database": health.check_database,
        "broker": lambda: health.check_broker(config["CELERY_BROKER_URL"]),
        "partner_center": lambda: health.check_token(
            "partner_center", config.get("PARTNER_CENTER_MODE", "sandbox"),
            get_client().check_token),
        "graph": lambda: health.check_token("graph", graph_mode(config),
                                            get_graph_client().check_token),
        "migrations": health.check_migrations,
    }


@bp.route("/metrics")
def metrics_page():
    """Prometheus' scrape. 404 to anyone else, so the page is not even advertised."""
    if not _may_scrape():
        abort(404)
    payload, content_type = metrics.exposition(
        current_app.config.get("METRICS_WORKER_DIRS") or "", _checks())
    return payload, 200, {"Content-Type": content_type, "Cache-Control": "no-store"}


def _may_scrape() -> bool:
    token = current_app.config.get("METRICS_TOKEN") or ""
    if token:
        sent = request.headers.get("Authorization", "")
        return hmac.compare_digest(sent.encode(), f"Bearer {token}".encode())
    return request.remote_addr in LOOPBACK


@bp.route("/admin/system")
@roles_required(Role.PROVIDER_ADMIN)
def system():
    """Readiness, workers, beat's periodic tasks, the queue, token lifetimes and recent
    upstream errors, for the provider's administrators."""
    now = utcnow()
    _ready, readiness = health.run(_checks())
    runs = db.session.scalars(select(TaskRun).order_by(TaskRun.task, TaskRun.hostname)).all()
    schedule = current_app.extensions["celery"].conf.beat_schedule
    return render_template(
        "operations/system.html", now=now, workers=_workers(runs, now),
        readiness=readiness, scopes={name: health.scope(name) for name in readiness["checks"]},
        periodic=_periodic(runs, schedule), facts=metrics.queue_facts(),
        syncs=[(label, _newest(runs).get(task)) for task, label in SYNCS.items()],
        tokens=_tokens(),
        mode=current_app.config.get("PARTNER_CENTER_MODE"),
        errors=db.session.scalars(select(UpstreamError).order_by(UpstreamError.id.desc())
                                  .limit(RECENT_ERRORS)).all(),
        stale_after=STALE_WORKER)


# A worker runs the heartbeat task every HEARTBEAT seconds (storefront/tasks.py); one
# silent for three of them is shown as missing.
STALE_WORKER = timedelta(minutes=3)


def _workers(runs, now) -> list[dict]:
    newest: dict[str, object] = {}
    for run in runs:
        seen = as_utc(run.last_finished_at)
        if run.hostname not in newest or seen > newest[run.hostname]:
            newest[run.hostname] = seen
    return [{"hostname": host, "last_seen": seen, "alive": now - seen <= STALE_WORKER}
            for host, seen in sorted(newest.items())]


def _newest(runs) -> dict[str, TaskRun]:
    """Each task's newest run on any worker."""
    by_task: dict[str, TaskRun] = {}
    for run in runs:
        if run.task not in by_task or as_utc(run.last_finished_at) > as_utc(
                by_task[run.task].last_finished_at):
            by_task[run.task] = run
    return by_task


def _periodic(runs, schedule) -> list[dict]:
    """Each beat entry with how often it runs and its newest run (None: never ran)."""
    by_task = _newest(runs)
    return [{"name": name, "task": entry["task"], "cadence": cadence(entry["schedule"]),
             "run": by_task.get(entry["task"])} for name, entry in sorted(schedule.items())]


UNITS = (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1))


def cadence(schedule) -> str:
    """A beat entry's schedule in words ("every hour", "every 5 minutes", "monthly, on day 1
    at 03:00 UTC"): "not run yet" alone left an admin guessing when a task would run."""
    if isinstance(schedule, crontab):
        return _cron_words(schedule)
    seconds = schedule.total_seconds() if isinstance(schedule, timedelta) else float(schedule)
    for unit, size in UNITS:
        if seconds >= size and seconds % size == 0:
            count = int(seconds // size)
            return f"every {unit}" if count == 1 else f"every {count} {unit}s"
    return f"every {seconds:g} seconds"


def _cron_words(cron: crontab) -> str:
    """The monthly shape the schedule uses in words, any other crontab as its fields."""
    if len(cron.minute) == len(cron.hour) == len(cron.day_of_month) == 1 and \
            len(cron.month_of_year) == 12 and len(cron.day_of_week) == 7:
        (minute,), (hour,), (day,) = cron.minute, cron.hour, cron.day_of_month
        return f"monthly, on day {day} at {hour:02d}:{minute:02d} UTC"
    fields = repr(cron).removeprefix("<crontab: ").removesuffix(">")
    return f"cron {fields}, UTC"


def _tokens() -> list[dict]:
    def moment(seconds: float | None):
        return datetime.fromtimestamp(seconds, UTC) if seconds else None

    return [{"source": source.replace("_", " "), "kind": kind, "ok": state.ok,
             "at": moment(state.at), "expires_at": moment(state.expires_at),
             "problem": state.problem}
            for (source, kind), state in sorted(tokens.all_states().items())]
