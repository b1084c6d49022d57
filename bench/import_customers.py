"""Benchmark: adopting an existing Partner Center base of 10,000 customers and 30,000
subscriptions (`flask partner-center import`, subscriptions.adoption).

    .venv/bin/python -m bench.import_customers [--customers 10000] [--subscriptions 30000]
                                               [--small 2500] [--page-size 100]

The real client talks to an in-process sandbox (through `responses`, as the tests do) and
the import writes a fresh SQLite file. Each measurement runs in a process of its own:
  time    the import, then a re-run that finds everything current;
  memory  the same import under tracemalloc (slower, so timed apart): the memory the import
          holds at the end of every page (it must stay flat as pages go by) and its peak,
          both above what was allocated before it started (the sandbox's data).
Both run for `--small` customers too (subscriptions scaled alike): the same figures at a
quarter of the pages show that memory does not grow with the number of pages.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

MB = 1024 * 1024


def run_child(customers: int, subscriptions: int, page_size: int, trace: bool) -> dict:
    """One measurement in this process; answers its figures."""
    import requests
    import responses

    from accounts.models import Reseller
    from config.settings import TestingConfig
    from connectors.partner_center.auth import SandboxTokenProvider
    from connectors.partner_center.client import LIVE_BASE_URL, PartnerCenterClient
    from connectors.partner_center.sandbox import Sandbox, bulk, create_sandbox_app, seed
    from connectors.partner_center.sandbox.router import route_to_sandbox
    from demo import catalog as demo_catalog
    from persistence import db
    from storefront import create_app
    from subscriptions.adoption import import_customers

    tmp = Path(tempfile.mkdtemp(prefix="bench-import-"))
    app = create_app(type("Bench", (TestingConfig,), {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'import.sqlite'}"}))
    sandbox = Sandbox()
    started = time.perf_counter()
    bulk.add_bulk(sandbox, customers=customers, subscriptions=subscriptions, seed=7)
    built = time.perf_counter() - started
    with app.app_context(), responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        db.create_all()
        db.session.add_all([Reseller(company_name="Adatum IT", mpn_id=seed.RESELLER_MPN_ID),
                            Reseller(company_name="Litware", mpn_id=seed.RESELLER_MPN_ID_2)])
        db.session.commit()
        demo_catalog.load(db)
        route_to_sandbox(mock, create_sandbox_app(sandbox, sleep=lambda _s: None), LIVE_BASE_URL)
        client = PartnerCenterClient(requests.Session(), LIVE_BASE_URL,
                                     SandboxTokenProvider(seed.PARTNER_TENANT_ID),
                                     rng=random.Random(1))
        calls = [0]

        def page_done(_summary, held: list[float] | None = None) -> None:
            calls[0] += len(mock.calls)
            # `responses` keeps every call, globally and per route: the harness's memory,
            # not the import's, so it is let go after every page.
            mock.calls.reset()
            for route in mock.registered():
                route.calls.reset()
            if held is not None:
                held.append((tracemalloc.get_traced_memory()[0] - base) / MB)

        figures = {"customers": customers, "subscriptions": subscriptions, "built_s": built}
        if trace:
            held: list[float] = []
            tracemalloc.start()
            base = tracemalloc.get_traced_memory()[0]
            # The sandbox builds every customer's list view to answer one page: its share of
            # the peak, which grows with the base whatever the import does.
            next(iter(client.list_customers(size=page_size)))
            figures["sandbox_page_mb"] = (tracemalloc.get_traced_memory()[1] - base) / MB
            tracemalloc.reset_peak()
            summary = import_customers(client, page_size=page_size,
                                       on_page=lambda s: page_done(s, held))
            peak = (tracemalloc.get_traced_memory()[1] - base) / MB
            tracemalloc.stop()
            figures |= {"pages": summary.pages, "held_mb": held, "peak_mb": peak}
        else:
            started = time.perf_counter()
            summary = import_customers(client, page_size=page_size, on_page=page_done)
            figures |= {"pages": summary.pages, "import_s": time.perf_counter() - started,
                        "calls": calls[0], "created": [summary.customers.created,
                                                       summary.subscriptions.created]}
            started = time.perf_counter()
            again = import_customers(client, page_size=page_size, on_page=page_done)
            figures |= {"rerun_s": time.perf_counter() - started,
                        "rerun_created": again.customers.created + again.subscriptions.created}
        figures["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return figures


def measure(customers: int, subscriptions: int, page_size: int, trace: bool) -> dict:
    """Run one measurement in a fresh process (so peaks and maxrss are its own)."""
    args = [sys.executable, "-m", "bench.import_customers", "--child", "--customers",
            str(customers), "--subscriptions", str(subscriptions), "--page-size",
            str(page_size)] + (["--trace"] if trace else [])
    done = subprocess.run(args, capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parent.parent)
    return json.loads(done.stdout.strip().splitlines()[-1])


def report(timed: dict, traced: dict) -> None:
    held = traced["held_mb"]
    quarter = held[len(held) // 4] if held else 0.0
    print(f"{timed['customers']:>6} customers, {timed['subscriptions']:>6} subscriptions, "
          f"{timed['pages']} pages, {timed['calls']} Partner Center calls")
    print(f"  import {timed['import_s']:.1f} s "
          f"({timed['customers'] / timed['import_s']:.0f} customers/s), "
          f"re-run {timed['rerun_s']:.1f} s ({timed['rerun_created']} created); "
          f"sandbox built in {timed['built_s']:.1f} s")
    print(f"  held after page 1 / at 1/4 / last: {held[0]:.1f} / {quarter:.1f} / "
          f"{held[-1]:.1f} MB (max {max(held):.1f} MB); peak {traced['peak_mb']:.1f} MB "
          f"above the sandbox's data, of which {traced['sandbox_page_mb']:.1f} MB is the "
          "sandbox answering one list page (tracemalloc)")
    print(f"  process max RSS {timed['maxrss_mb']:.0f} MB (sandbox data included)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--subscriptions", type=int, default=30_000)
    parser.add_argument("--small", type=int, default=2_500, help="customers of the small run")
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_child(args.customers, args.subscriptions, args.page_size,
                                   args.trace)))
        return
    scale = args.small / args.customers
    for customers, subscriptions in ((args.small, round(args.subscriptions * scale)),
                                     (args.customers, args.subscriptions)):
        report(measure(customers, subscriptions, args.page_size, trace=False),
               measure(customers, subscriptions, args.page_size, trace=True))


if __name__ == "__main__":
    main()
