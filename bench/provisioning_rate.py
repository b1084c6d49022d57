"""Provisioning against a rate-limited sandbox: achieved rate and 429s per Retry-After window.

    .venv/bin/python -m bench.provisioning_rate [--rate 120] [--minutes 3]

The sandbox allows N requests a minute per throttle bucket (`--rate-limit N`); one solo
worker paces itself to the same N (PARTNER_CENTER_RATE_LIMIT). Every order creates a new
customer, so the partner-wide bucket (customer creation, catalog reads) is the one that
binds. Enough orders are placed to keep it busy for the given minutes. Reads the sandbox's
request log and prints requests per full minute of that bucket, the busiest 60-second
window, and the 429s.
"""

from __future__ import annotations

import argparse
import re
import tempfile
import time
from datetime import datetime
from pathlib import Path

from bench.provisioning_common import (
    app_for,
    broker_url,
    database_url,
    outcome,
    place_orders,
    run_until_settled,
)
from tests.provisioning.stack import Stack

# werkzeug's request log; lines of non-200 answers are wrapped in terminal colour codes.
COLOUR = r"(?:\x1b\[[\d;]*m)*"
LINE = re.compile(r'\[(\d\d/\w{3}/\d{4} \d\d:\d\d:\d\d)\] "' + COLOUR
                  + r'(\w+) (\S+) HTTP/[\d.]+' + COLOUR + r'" (\d{3})')
CUSTOMER_PATH = re.compile(r"^/v1/customers/[0-9a-f-]{36}")
PARTNER_CALLS_PER_ORDER = 2  # create the customer, read the SKU's availabilities


def partner_bucket(log: Path) -> list[tuple[float, int]]:
    """(time, status) of every Partner Center request in the partner-wide bucket."""
    hits = []
    for match in LINE.finditer(log.read_text(errors="replace")):
        stamp, _method, path, status = match.groups()
        if path.startswith("/_sandbox") or CUSTOMER_PATH.match(path):
            continue
        when = datetime.strptime(stamp, "%d/%b/%Y %H:%M:%S").timestamp()
        hits.append((when, int(status)))
    return hits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=int, default=120, help="requests a minute (N)")
    parser.add_argument("--minutes", type=int, default=3)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-rate-"))
    url = database_url("sqlite", tmp)
    app = app_for(url)
    stack = Stack(tmp, url, broker_url("sqlite", tmp), settings={
        "PARTNER_CENTER_RATE_LIMIT": str(args.rate), "PROVISIONING_POLL_SECONDS": "0.2",
        "PROVISIONING_BACKOFF_SECONDS": "0.5"})
    orders = args.rate * args.minutes // PARTNER_CALLS_PER_ORDER
    with app.app_context():
        try:
            stack.start_sandbox(polls=0, rate_limit=args.rate)
            ids = place_orders(orders)
            stack.worker(pool="solo", name="paced")
            started = time.monotonic()
            stack.send(ids)
            run_until_settled(stack, timeout=args.minutes * 60 * 3)
            elapsed = time.monotonic() - started
            report(args, orders, elapsed, partner_bucket(tmp / "sandbox.log"))
            print(f"outcome                  {dict(outcome())}")
        finally:
            stack.stop()


def report(args, orders: int, elapsed: float, hits: list[tuple[float, int]]) -> None:
    first = hits[0][0]
    full_minutes = int((hits[-1][0] - first) // 60)
    per_minute = [sum(1 for t, _ in hits if first + 60 * m <= t < first + 60 * (m + 1))
                  for m in range(full_minutes)]
    busiest = max(sum(1 for u, _ in hits if t <= u < t + 60) for t, _ in hits)
    throttled = [t for t, s in hits if s == 429]
    print(f"limit N                  {args.rate} requests/min per bucket")
    print(f"orders                   {orders} in {elapsed:.0f} s")
    print(f"partner-bucket requests  {len(hits)}")
    # A run that spans under two minutes of requests has no full minute after its first
    # request to count (--minutes 1 always: the orders are sized to one minute's limit).
    least = (f"min {min(per_minute) / args.rate:.2f} N" if per_minute
             else "none: run with --minutes 2 or more")
    print(f"per full minute          {per_minute}  ({least})")
    print(f"busiest 60 s window      {busiest}")
    print(f"429 answers              {len(throttled)}")


if __name__ == "__main__":
    main()
