"""Readiness: may this process take traffic? Each check answers "ok" or says what is wrong,
and /readyz names every failed part so the operator reads which part to fix.

Only what makes THIS node unable to serve answers 503 ("failed"), so the load balancer
sends its requests to the other nodes: its database connection and its migrations being
behind the code. The broker, Partner Center and Graph (Entra ID) are shared by every node:
when one of them is down, every node would answer 503 together and the load balancer would
take the whole storefront out of rotation, although browsing, carts and checkout still work
(an order is written with its job row first; the reconciler re-queues it and provisioning
waits). Their failures are named under "degraded" with 200 and status "degraded"; the
outage stays visible on /metrics (csp_check_up, each check with its scope, for alerts)
and on /admin/system.

- database: SELECT 1 on a pooled connection.
- broker: kombu connects to CELERY_BROKER_URL within BROKER_TIMEOUT seconds (orders are
  queued there; their job rows survive an outage, but nothing gets provisioned).
- partner_center, graph: in sandbox mode the tokens are made locally, always fine. In live
  mode, a token acquired in this process within TOKEN_FRESH_SECONDS counts; otherwise one is
  requested now (msal's cache answers while one is valid), waiting at most TOKEN_TIMEOUT;
  a request that failed within TOKEN_RETRY_SECONDS is the answer instead of a new one.
- migrations: the database's alembic revision is the code's head. A schema made by
  db.create_all() (tests, a throwaway database) has no alembic_version table: it counts as
  current when every table of the models exists, and as behind when any is missing.

Errors are named by their type only: /readyz is public and an exception's text may carry a
host or a path; the full error goes to the log (whose filter scrubs secrets).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from functools import lru_cache
from pathlib import Path
from typing import Any

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from kombu import Connection
from sqlalchemy import inspect, text

from operations import tokens
from persistence import db

log = logging.getLogger("operations.health")

BROKER_TIMEOUT = 2.0
TOKEN_TIMEOUT = 5.0
TOKEN_FRESH_SECONDS = 3600.0
# After a failed token request, probes answer from it for this long instead of asking
# Entra ID again: load balancers probe every few seconds on every node, and a refused
# credential stays refused until someone fixes it.
TOKEN_RETRY_SECONDS = 60.0
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


# The checks every node shares: their failure degrades the service but takes no node out.
# Any other check (database, migrations, one added later) is this node's own.
SHARED = frozenset({"broker", "partner_center", "graph"})


def scope(check: str) -> str:
    """"shared" for an upstream every node uses, "node" for this node's own part."""
    return "shared" if check in SHARED else "node"


class NotReady(Exception):
    """A check's failure, with what the operator should know."""


def check_database() -> str:
    db.session.execute(text("SELECT 1"))
    return "ok"


def check_broker(url: str, timeout: float = BROKER_TIMEOUT) -> str:
    """Connect once, no retries: a probe must answer quickly."""
    options = {"socket_connect_timeout": timeout, "socket_timeout": timeout,
               "max_retries": 0}
    with Connection(url, connect_timeout=timeout, transport_options=options) as connection:
        connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0,
                                     timeout=timeout)
    return "ok"


@lru_cache(maxsize=1)
def code_heads() -> frozenset[str]:
    """The migration heads this code carries (read once: files do not change at run time)."""
    return frozenset(ScriptDirectory(str(MIGRATIONS)).get_heads())


def check_migrations() -> str:
    connection = db.session.connection()
    tables = set(inspect(connection).get_table_names())
    if "alembic_version" not in tables:
        missing = sorted(set(db.metadata.tables) - tables)
        if missing:
            raise NotReady(f"no migration history and {len(missing)} tables missing: run "
                           "flask db upgrade")
        return "ok (schema made without migrations; every table present)"
    current = frozenset(MigrationContext.configure(connection).get_current_heads())
    if current != code_heads():
        raise NotReady(f"database at {', '.join(sorted(current)) or 'no revision'}, code at "
                       f"{', '.join(sorted(code_heads()))}: run flask db upgrade")
    return "ok"


def check_token(source: str, mode: str, probe: Callable[[], None],
                timeout: float = TOKEN_TIMEOUT) -> str:
    if mode == "sandbox":
        return "ok (sandbox)"
    last = tokens.latest(source)
    if last and last.ok and tokens.now() - last.at < TOKEN_FRESH_SECONDS:
        return "ok"
    if last and not last.ok and tokens.now() - last.at < TOKEN_RETRY_SECONDS:
        ago = max(0, round(tokens.now() - last.at))
        raise NotReady(f"the token request {ago} s ago failed (see the log and "
                       f"/admin/system); asked again {TOKEN_RETRY_SECONDS:g} s after it")
    pool = ThreadPoolExecutor(max_workers=1)
    try:
        pool.submit(probe).result(timeout=timeout)
    except FutureTimeout:
        raise NotReady(f"Entra ID did not answer within {timeout:g} s") from None
    finally:
        pool.shutdown(wait=False)  # a hung probe must not hold the answer (`with` would)
    return "ok"


def run(checks: dict[str, Callable[[], str]]) -> tuple[bool, dict[str, Any]]:
    """Run every check (one failing does not skip the others). Ready unless one of this
    node's own checks failed; "failed" lists those, "degraded" the shared ones."""
    results = {name: _outcome(name, check) for name, check in checks.items()}
    broken = [name for name, result in results.items() if result.startswith("failed")]
    failed = [name for name in broken if scope(name) == "node"]
    degraded = [name for name in broken if scope(name) == "shared"]
    status = "not ready" if failed else "degraded" if degraded else "ready"
    return not failed, {"status": status, "failed": failed, "degraded": degraded,
                        "checks": results}


def _outcome(name: str, check: Callable[[], str]) -> str:
    try:
        return check()
    except NotReady as problem:
        return f"failed: {problem}"
    except Exception as error:  # noqa: BLE001 - any failure means not ready; named below
        log.warning("readiness check %s failed: %s", name, error)
        _rollback()  # a broken connection must not poison the next checks
        return f"failed: {type(error).__name__}"


def _rollback() -> None:
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the database may be the part that is down
        log.debug("rollback after a failed readiness check failed too", exc_info=True)
