"""The fault run at scale: N orders (default 1,000), 10% injected timeouts, 5xx and 429,
every message sent twice, the first worker SIGKILLed a third of the way and replaced.

    .venv/bin/python -m bench.provisioning_fault_run [--orders 1000] [--backend sqlite|postgres]

postgres uses TEST_DATABASE_URL and TEST_REDIS_URL (start them with .ci/services).
Prints the duration, throughput and the duplicate/lost counts (all must be zero).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

from bench.provisioning_common import (
    app_for,
    broker_url,
    database_url,
    outcome,
    place_orders,
    run_until_settled,
)
from orders.models import OrderLine, ProvisioningJob
from persistence import db
from tests.provisioning.stack import Stack, wait_until

SETTINGS = {"PARTNER_CENTER_READ_TIMEOUT": "0.25", "PROVISIONING_LEASE_SECONDS": "5",
            "PROVISIONING_BACKOFF_SECONDS": "0.2", "PROVISIONING_BACKOFF_CAP_SECONDS": "2",
            "PROVISIONING_POLL_SECONDS": "0.2", "PROVISIONING_RECONCILE_SECONDS": "2",
            "PROVISIONING_RECONCILE_GRACE_SECONDS": "5"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-fault-"))
    url = database_url(args.backend, tmp)
    app = app_for(url)
    stack = Stack(tmp, url, broker_url(args.backend, tmp), settings=SETTINGS)
    with app.app_context():
        try:
            stack.start_sandbox(polls=1)
            stack.sandbox("/_sandbox/config", {"timeout_sleep_seconds": 0.4})
            for fault in ({"kind": "timeout", "endpoint": "POST *", "ratio": 0.1 / 3 * 2},
                          {"kind": "error", "status": 503, "ratio": 0.1 / 3},
                          {"kind": "error", "status": 429, "ratio": 0.1 / 3, "retry_after": 1}):
                stack.sandbox("/_sandbox/faults", fault | {"count": None})
            ids = place_orders(args.orders)
            started = time.monotonic()
            first = stack.worker(pool="prefork", concurrency=2, name="first")
            stack.send(ids, copies=2)
            wait_until(lambda: _settled() >= args.orders // 3, timeout=3600, interval=0.5)
            stack.kill(first)
            stack.worker(pool="prefork", concurrency=2, name="second")
            run_until_settled(stack, timeout=3600)
            elapsed = time.monotonic() - started
            report(args, stack, elapsed)
        finally:
            stack.stop()


def _settled() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).where(
        ProvisioningJob.state.in_(("done", "attention"))))


def report(args, stack: Stack, elapsed: float) -> None:
    data = stack.sandbox("/_sandbox/state")["data"]
    domains = Counter(c["companyProfile"]["domain"] for c in data["customers"].values())
    local_orders = Counter(db.session.scalars(select(OrderLine.pc_order_id)))
    statuses = outcome()
    print(f"backend                 {args.backend} (2 prefork workers, first one SIGKILLed)")
    print(f"orders                  {args.orders}")
    print(f"elapsed                 {elapsed:.1f} s  ({args.orders / elapsed * 60:.0f} orders/min)")
    print(f"outcome                 {dict(statuses)}")
    print(f"duplicate PC customers  {sum(n - 1 for n in domains.values() if n > 1)}")
    print(f"PC orders / carts       {len(data['orders'])} / "
          f"{sum(c['wire']['status'] == 'Ordered' for c in data['carts'].values())}")
    print(f"PC orders not ours      {len(set(data['orders']) - set(local_orders))}")
    lost = args.orders - statuses["provisioned"] - statuses["needs_attention"]
    print(f"lost orders             {lost}")
    print(f"PC subscriptions        {len(data['subscriptions'])}")


if __name__ == "__main__":
    main()
