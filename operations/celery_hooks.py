"""Celery's signals, wired once per process: the request id travels with each task in a
message header so the worker's log lines of an order share the id of the click that placed
it; each task runs in a context naming its order; each run is counted and recorded for the
status page; and Celery leaves the logging that create_app configured alone.
"""

from __future__ import annotations

import inspect
import logging
import time
from functools import lru_cache
from typing import Any

from celery import Task, signals
from celery import current_app as current_celery

from operations import activity, context, metrics
from persistence import utcnow

log = logging.getLogger("operations.tasks")
HEADER = "request_id"
_running: dict[str, tuple[Any, float, Any]] = {}  # task id: (context token, start, start time)


def connect() -> None:
    """Idempotent: Celery keeps receivers by identity, and these are module functions."""
    signals.before_task_publish.connect(_published, weak=False)
    signals.task_prerun.connect(_started, weak=False)
    signals.task_postrun.connect(_finished, weak=False)
    signals.setup_logging.connect(_keep_our_logging, weak=False)


def _keep_our_logging(**_: Any) -> None:
    """Connected, this makes Celery skip its own logging set-up (create_app did ours)."""


@lru_cache(maxsize=256)
def _order_position(task_name: str) -> int | None:
    """Where a task takes `order_id` among its arguments, if it does."""
    task = current_celery.tasks.get(task_name)
    if task is None:
        return None
    names = list(inspect.signature(task.run).parameters)
    return names.index("order_id") if "order_id" in names else None


def _order_id(task_name: str, args: Any, kwargs: Any) -> int | None:
    if isinstance(kwargs, dict) and "order_id" in kwargs:
        return kwargs["order_id"]
    position = _order_position(task_name)
    if position is not None and isinstance(args, list | tuple) and len(args) > position:
        return args[position]
    return None


def _published(sender: str | None = None, body: Any = None, headers: dict | None = None,
               **_: Any) -> None:
    request_id = context.current().get("request_id")
    if request_id and headers is not None:
        headers[HEADER] = request_id
    args, kwargs = (body[0], body[1]) if isinstance(body, list | tuple) and len(body) > 1 \
        else ((), {})
    log.info("queued task %s", sender, extra={"task": sender,
                                               "order_id": _order_id(sender or "", args, kwargs)})


def _header(task: Task, name: str) -> str | None:
    """A custom message header: a request attribute on a worker, in `headers` when eager."""
    request = task.request
    return getattr(request, name, None) or (getattr(request, "headers", None) or {}).get(name)


def _started(task_id: str | None = None, task: Task | None = None, args: Any = None,
             kwargs: Any = None, **_: Any) -> None:
    request_id = context.request_id_from(_header(task, HEADER)
                                         or context.current().get("request_id"))
    token = context.enter(request_id=request_id, task=task.name,
                          order_id=_order_id(task.name, args, kwargs))
    _running[task_id] = (token, time.perf_counter(), utcnow())
    log.info("task %s started", task.name)


def _finished(task_id: str | None = None, task: Task | None = None, state: str | None = None,
              retval: Any = None, **_: Any) -> None:
    token, started, started_at = _running.pop(task_id, (None, time.perf_counter(), None))
    state = state or "UNKNOWN"
    metrics.TASKS.labels(task.name, state).inc()
    log.info("task %s finished: %s in %.0f ms", task.name, state,
             (time.perf_counter() - started) * 1000)
    error = f"{type(retval).__name__}: {retval}" if isinstance(retval, BaseException) else ""
    if not getattr(task.request, "is_eager", False):
        hostname = str(getattr(task.request, "hostname", None) or "unknown")
        _in_fresh_app_context(task, lambda: activity.record_task_run(
            task.name, hostname, state, started_at, error))
    if token is not None:
        try:
            context.leave(token)
        except ValueError:  # set in another context (a pool thread): nothing to restore
            context.enter()


def _in_fresh_app_context(task: Task, work) -> None:
    """Run in a new app context of the task's Flask app: a session of its own, after the
    task's context (and session) has ended."""
    flask_app = getattr(task.app, "flask_app", None)
    if flask_app is None:
        return
    with flask_app.app_context():
        work()
