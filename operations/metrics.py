"""Prometheus metrics (prometheus-client).

Counters and histograms are updated where things happen: each request (storefront's hooks),
each Partner Center or Graph call and token (read off the connectors' log records by
`UpstreamCalls`, so the connectors import nothing of ours), each Celery task. Under
gunicorn's workers and the Celery worker set PROMETHEUS_MULTIPROC_DIR, one directory per
service emptied at its start (systemd's RuntimeDirectory, deploy/): every process writes its
values to files there, and the web's /metrics adds up its own directory and the workers'
(METRICS_WORKER_DIRS); deploy/gunicorn.conf.py marks a dead gunicorn worker's files.

Facts that live in the database (orders by state, the provisioning queue, the attention
queue) are counted when Prometheus scrapes, with one cheap GROUP BY each, so they are right
whichever process changed them.

Readiness is checked at each scrape too (csp_check_up, by check and scope): /readyz stays
200 "degraded" while a shared upstream (broker, Partner Center, Graph) is down, so this is
where an alert sees that outage, on every node, whether or not a load balancer probes it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from operations import activity, health, tokens
from orders.models import Order, OrderStatus, ProvisioningJob, needs_a_person
from persistence import as_utc, db, utcnow

log = logging.getLogger("operations.metrics")
PENDING_JOBS = ("queued", "retry", "running")  # provisioning/jobs.py RUNNABLE
# The password and the second factor: a wrong code is as much a failed sign-in (ASVS 7.2).
SIGN_IN_ENDPOINTS = {"auth.login", "mfa.verify"}

HTTP_REQUESTS = Counter("csp_http_requests_total", "HTTP requests answered",
                        ["endpoint", "method", "status"])
HTTP_LATENCY = Histogram("csp_http_request_duration_seconds", "Time to answer a request",
                         ["endpoint"],
                         buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30))
UPSTREAM_CALLS = Counter("csp_upstream_calls_total",
                         "Partner Center and Graph HTTP attempts by operation and status",
                         ["upstream", "operation", "status"])
UPSTREAM_LATENCY = Histogram("csp_upstream_call_duration_seconds",
                             "Partner Center and Graph call latency", ["upstream", "operation"],
                             buckets=(.05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60))
UPSTREAM_THROTTLED = Counter("csp_upstream_throttled_total",
                             "429 answers from Partner Center or Graph", ["upstream"])
UPSTREAM_RETRIES = Counter("csp_upstream_retries_total",
                           "Attempts after the first (the same request id)", ["upstream"])
TOKEN_EXPIRY = Gauge("csp_token_expiry_timestamp_seconds",
                     "When the newest acquired access token runs out (live mode)",
                     ["source", "kind"], multiprocess_mode="max")
TOKEN_FAILURES = Counter("csp_token_failures_total", "Token requests Entra ID refused",
                         ["source", "kind"])
SIGN_IN_FAILURES = Counter("csp_sign_in_failures_total", "Sign-ins refused (wrong password…)")
SIGN_IN_THROTTLED = Counter("csp_sign_in_throttled_total", "Sign-ins answered 429")
TASKS = Counter("csp_tasks_total", "Celery tasks run, by outcome", ["task", "outcome"])


def observe_request(endpoint: str | None, method: str, status: int, seconds: float) -> None:
    name = endpoint or "unmatched"  # a 404 has no endpoint: one label, not one per URL
    HTTP_REQUESTS.labels(name, method, str(status)).inc()
    HTTP_LATENCY.labels(name).observe(seconds)
    if name in SIGN_IN_ENDPOINTS and method == "POST":
        if status == 422:
            SIGN_IN_FAILURES.inc()
        elif status == 429:
            SIGN_IN_THROTTLED.inc()


class UpstreamCalls(logging.Handler):
    """Counts the connectors' call and token records (fields set in their transports)."""

    def emit(self, record: logging.LogRecord) -> None:
        upstream = getattr(record, "upstream", None)
        if upstream:
            self._call(record, upstream)
        source = getattr(record, "token_source", None)
        if source:
            self._token(record, source)

    @staticmethod
    def _call(record: logging.LogRecord, upstream: str) -> None:
        operation, status = str(record.operation), str(record.status)
        UPSTREAM_CALLS.labels(upstream, operation, status).inc()
        UPSTREAM_LATENCY.labels(upstream, operation).observe(record.latency_ms / 1000)
        if status == "429":
            UPSTREAM_THROTTLED.labels(upstream).inc()
        if int(getattr(record, "attempt", 1)) > 1:
            UPSTREAM_RETRIES.labels(upstream).inc()
        if not status.isdigit() or int(status) >= 400:
            activity.note_upstream_error(
                upstream, operation, status,
                getattr(record, "ms_request_id", None) or getattr(record, "client_request_id", ""))

    @staticmethod
    def _token(record: logging.LogRecord, source: str) -> None:
        kind = str(getattr(record, "token_kind", "app"))
        failed = getattr(record, "token_failed", None)
        if failed:
            TOKEN_FAILURES.labels(source, kind).inc()
            tokens.record(source, kind, tokens.TokenState(False, record.created,
                                                          problem=str(failed)))
        elif getattr(record, "expires_in", None):
            expires_at = record.created + float(record.expires_in)
            TOKEN_EXPIRY.labels(source, kind).set(expires_at)
            tokens.record(source, kind, tokens.TokenState(True, record.created, expires_at))


def watch_connectors() -> None:
    """Attach the counting handler to the connectors' logger once per process."""
    logger = logging.getLogger("connectors")
    if not any(isinstance(h, UpstreamCalls) for h in logger.handlers):
        logger.addHandler(UpstreamCalls())


def queue_facts() -> dict[str, float]:
    """Provisioning jobs not yet done, the age of the oldest since it was (re)queued, and
    the orders needing a person (orders.models.needs_a_person, as the admins' queue)."""
    pending = select(func.count(), func.min(ProvisioningJob.queued_at)).where(
        ProvisioningJob.state.in_(PENDING_JOBS))
    depth, oldest = db.session.execute(pending).one()
    attention = db.session.scalar(select(func.count(Order.id)).where(needs_a_person()))
    age = (utcnow() - as_utc(oldest)).total_seconds() if oldest else 0.0
    return {"depth": depth, "oldest_age": max(age, 0.0), "attention": attention}


def orders_by_state() -> dict[str, int]:
    counts = dict(db.session.execute(select(Order.status, func.count(Order.id))
                                     .group_by(Order.status)).all())
    return {str(state): counts.get(state, 0) for state in OrderStatus} | {
        str(k): v for k, v in counts.items()}


class DatabaseFacts(Collector):
    """Gauges read from the database at scrape time (needs an app context). With the
    database down the rest of the page still answers, with csp_database_up 0."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            orders, facts = orders_by_state(), queue_facts()
        except Exception:  # noqa: BLE001 - any database failure: report it, keep the page
            log.warning("metrics: the database did not answer", exc_info=True)
            db.session.rollback()
            yield GaugeMetricFamily("csp_database_up", "The database answered the scrape",
                                    value=0)
            return
        yield GaugeMetricFamily("csp_database_up", "The database answered the scrape",
                                value=1)
        by_state = GaugeMetricFamily("csp_orders", "Orders by state", labels=["state"])
        for state, count in sorted(orders.items()):
            by_state.add_metric([state], count)
        yield by_state
        yield GaugeMetricFamily("csp_provisioning_queue_depth",
                                "Provisioning jobs queued, retrying or running",
                                value=facts["depth"])
        yield GaugeMetricFamily("csp_provisioning_oldest_pending_age_seconds",
                                "Time since the oldest job not yet done was (re)queued",
                                value=facts["oldest_age"])
        yield GaugeMetricFamily("csp_orders_needing_attention",
                                "Orders waiting for a person", value=facts["attention"])


class Readiness(Collector):
    """Each readiness check's state at this scrape (1 passed, 0 failed), labelled with its
    scope: "node" fails this node's /readyz, "shared" only degrades it (operations/health.py)."""

    def __init__(self, checks: dict[str, Callable[[], str]]) -> None:
        self.checks = checks

    def collect(self) -> Iterator[GaugeMetricFamily]:
        _ready, body = health.run(self.checks)
        up = GaugeMetricFamily("csp_check_up", "The readiness check passed at this scrape",
                               labels=["check", "scope"])
        for name, result in body["checks"].items():
            up.add_metric([name, health.scope(name)], 0 if result.startswith("failed") else 1)
        yield up


def exposition(worker_dirs: str = "",
               checks: dict[str, Callable[[], str]] | None = None) -> tuple[bytes, str]:
    """The metrics page. In multiprocess mode: every file of this service's processes
    (PROMETHEUS_MULTIPROC_DIR) and of the workers' directories (METRICS_WORKER_DIRS,
    separated by ':'), merged into one set of series; else this process's values. With
    `checks`, their states too (Readiness)."""
    registry = CollectorRegistry()
    dirs = [d for d in (os.environ.get("PROMETHEUS_MULTIPROC_DIR", ""),
                        *worker_dirs.split(":")) if d]
    registry.register(_Files(dirs) if dirs else _ThisProcess())
    registry.register(DatabaseFacts())
    if checks:
        registry.register(Readiness(checks))
    return generate_latest(registry), CONTENT_TYPE_LATEST


class _Files(Collector):
    """Values every process wrote to its files, summed per series across processes."""

    def __init__(self, dirs: list[str]) -> None:
        self.dirs = dirs

    def collect(self):
        files = sorted(str(f) for d in self.dirs for f in Path(d).glob("*.db"))
        return multiprocess.MultiProcessCollector.merge(files, accumulate=True)


class _ThisProcess(Collector):
    """The default registry's metrics, without registering the scrape-time ones in it."""

    def collect(self):
        return REGISTRY.collect()


def mark_process_dead(pid: int) -> None:
    """For gunicorn's child_exit hook: a dead worker's live gauges stop counting."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(pid)
