"""Benchmark: checkout (POST /api/v1/orders, every rule, one transaction) under gunicorn.

Run: .venv/bin/python bench/checkout_load.py [SECONDS] [THREADS] [--backend postgres]
       [--repeat N] [--floor] [--skip-scale] [--fast-postgres] [--per-buyer N]
After a warm-up, Partner Center answers every call after 150-300 ms (the sandbox's seeded
"slow" fault on every endpoint), as the real service does. Each round, under load from wrk:
1. repeat orders (each client reorders for its own buyer, whose free domain the worker
   remembers for 2 minutes, so Partner Center is seldom asked) vs a bare endpoint doing
   one INSERT on the same server (targets: >= 0.5x throughput, <= 3x p95); with --floor
   also vs /bench/floor: one order's statements and queueing with no rules, no ORM and no
   validation, the least any checkout doing the issue's work costs;
2. first orders: each order for a customer never ordered for before, each customer used
   once, so the checkout asks Partner Center whether the new tenant's domain is free;
   throughput, p50, p95 and Partner Center calls per order (counted by the sandbox).
Then, unless --skip-scale: checkout p50 and p95 (sequential orders, Partner Center
answering at once) with the buyers holding --per-buyer subscriptions each, before and
after 1M subscriptions and 100k customers are added, the buyers' share spread through the
table (target: p95 <= 1.2x).
--repeat N runs N rounds of every phase (and N samples of each scale step) and prints
the medians. gunicorn (sync workers) and the sandbox (a thread per request) run on free
loopback ports; the backend is SQLite (the embedded default) or PostgreSQL + Redis (the
at-scale deployment, via .ci/services, with durable settings unless --fast-postgres).
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import NamedTuple

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.checkout_stack import (  # noqa: E402
    BIN,
    ROOT,
    add_bulk,
    app_env,
    database_settings,
    first_customers,
    prepare,
    services,
)

WRK = "/usr/bin/wrk"  # Debian's wrk (.ci/ensure-packages wrk)
LUA = Path(__file__).with_name("wrk_orders.lua")
LATENCY = (0.15, 0.3)  # seconds: Partner Center's answer time, drawn per call

MEASURED = """measured: each client thread is one API integration (its own token) ordering
  1 licence of Microsoft 365 E3 (monthly) for a Polish customer (new tenant, NIP,
  reseller's MCA confirmation): its own buyer again (repeat orders) or a customer never
  ordered for (first orders); every rule runs on every order, each order commits with its
  provisioning job and is queued to the broker. No worker runs."""


class Load(NamedTuple):
    rps: float
    p50: float  # ms
    p95: float  # ms
    count: int


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str) -> None:
    for _ in range(300):
        try:
            requests.get(url, timeout=5)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def server_cpu(master_pid: int) -> float:
    """CPU seconds used so far by the gunicorn workers (the master's children)."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    ticks = 0
    for pid in children:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime + stime
    return ticks / os.sysconf("SC_CLK_TCK")


def run_load(url: str, seconds: float, threads: int, buyers_file: Path | None = None,
             price_id: int | None = None, first_file: Path | None = None) -> Load:
    """wrk's measure: one thread and one connection per client; with buyers_file each
    places orders as its buyer, with first_file for its share of the first-order customers."""
    env = {**os.environ}
    if buyers_file:
        env.update(BENCH_BUYERS=str(buyers_file), BENCH_PRICE=str(price_id))
    if first_file:
        env.update(BENCH_FIRST=str(first_file))
    done = subprocess.run([WRK, "-t", str(threads), "-c", str(threads), "-d", f"{seconds:g}s",
                           "--timeout", "60s", "-s", str(LUA), url],
                          env=env, capture_output=True, text=True, check=True)
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRK ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no summary:\n{done.stdout}{done.stderr}")
    fields = {k: int(v) for k, v in (pair.split("=") for pair in line.split()[1:])}
    _check(url, fields, [x for x in done.stderr.splitlines() if x.startswith("answered ")])
    return Load(fields["requests"] / (fields["duration_us"] / 1e6), fields["p50_us"] / 1000,
                fields["p95_us"] / 1000, fields["requests"])


def _check(url: str, fields: dict[str, int], answers: list[str]) -> None:
    failed = {k: fields[k] for k in ("non2xx", "connect", "read", "write", "timeout") if fields[k]}
    if failed:
        said = "".join(f"\n  {answer}" for answer in answers[:5])
        raise RuntimeError(f"{url}: {failed} of {fields['requests']} requests failed{said}")
    if fields["created"] != fields["requests"]:
        raise RuntimeError(f"{url}: {fields['created']} of {fields['requests']} answered 201")
    if fields["exhausted"]:
        raise RuntimeError(f"{url}: {fields['exhausted']} orders found no fresh customer left; "
                           "the first-order phase needs more (first_per_thread)")


class SandboxAdmin:
    """The HTTP sandbox's admin side: the latency fault and the calls it has answered."""

    def __init__(self, base: str) -> None:
        self.base = base

    def slow(self) -> None:
        """Every endpoint answers after a seeded uniform draw from LATENCY, forever."""
        requests.post(f"{self.base}/_sandbox/faults", timeout=10, json={
            "kind": "slow", "endpoint": "*", "count": None, "delay": LATENCY[0],
            "delay_max": LATENCY[1]}).raise_for_status()

    def fast(self) -> None:
        requests.delete(f"{self.base}/_sandbox/faults", timeout=10).raise_for_status()

    def calls(self) -> int:
        """Partner Center calls answered under the latency fault so far."""
        faults = requests.get(f"{self.base}/_sandbox/state", timeout=30).json()["faults"]
        return sum(f["fired"] for f in faults)


class Bench(NamedTuple):
    base: str
    env: dict
    price_id: int
    buyers: list[tuple[str, int]]
    buyers_file: Path
    first: list[int]
    sandbox: SandboxAdmin
    web_pid: int
    tmp: Path


def first_per_thread(args) -> int:
    """Fresh customers each client needs per round: a first order holds a sync worker for
    at least one Partner Center call (150 ms), which bounds the round's first orders; half
    again for uneven sharing, a few more for the orders in flight at the end."""
    bound = args.workers * args.seconds / LATENCY[0]
    return math.ceil(min(args.seconds / LATENCY[0], 1.5 * bound / args.threads)) + 5


def first_file(bench: Bench, args, round_: int) -> Path:
    """This round's own slice of the fresh customers as "thread customer" lines."""
    per = first_per_thread(args)
    path = bench.tmp / f"first-{round_}.txt"
    lines = []
    for thread in range(args.threads):
        start = (round_ * args.threads + thread) * per
        lines += [f"{thread + 1} {c}\n" for c in bench.first[start:start + per]]
    path.write_text("".join(lines))
    return path


def measure(bench: Bench, args) -> None:
    orders = f"{bench.base}/api/v1/orders"
    # Warm-up with Partner Center answering at once, so that in a few seconds each worker
    # has asked once about each buyer's domain and the partner-wide facts (slow, the
    # warm-up completes too few orders to reach every worker-buyer pair).
    run_load(orders, 3, args.threads, bench.buyers_file, bench.price_id)
    bench.sandbox.slow()
    print(MEASURED)
    print(f"[{args.backend} ({database_settings(bench.env)}), {args.workers} gunicorn sync "
          f"workers, wrk with {args.threads} connections, {args.seconds:g} s a phase, "
          f"{args.repeat} round(s); Partner Center answers in {LATENCY[0] * 1000:.0f}-"
          f"{LATENCY[1] * 1000:.0f} ms]")
    rounds = [one_round(bench, args, n) for n in range(args.repeat)]
    if args.repeat > 1:
        print_medians(rounds)
    if not args.skip_scale:
        bench.sandbox.fast()
        scale(bench, args)


def one_round(bench: Bench, args, round_: int) -> dict[str, float]:
    """Bare INSERT, repeat orders, the floor (--floor), first orders; prints each."""
    orders = f"{bench.base}/api/v1/orders"
    bare = timed(bench, lambda: run_load(f"{bench.base}/bench/insert", args.seconds,
                                         args.threads))
    repeat = timed(bench, lambda: run_load(orders, args.seconds, args.threads,
                                           bench.buyers_file, bench.price_id))
    show("bare INSERT:", bare, "req/s")
    show("repeat orders:", repeat, "orders/s")
    ratios = {"throughput": repeat[0].rps / bare[0].rps, "p95": repeat[0].p95 / bare[0].p95}
    print(f"  -> vs bare: throughput {ratios['throughput']:.2f}x (target >= 0.5x), "
          f"p95 {ratios['p95']:.2f}x (target <= 3x)")
    if args.floor:
        ratios |= floor(bench, args, bare[0], repeat[0])
    first = timed(bench, lambda: run_load(orders, args.seconds, args.threads, bench.buyers_file,
                                          bench.price_id, first_file(bench, args, round_)))
    show("first orders:", first, "orders/s")
    return ratios | {"first rps": first[0].rps, "first p50": first[0].p50,
                     "first p95": first[0].p95, "first calls": first[2] / first[0].count}


def timed(bench: Bench, load) -> tuple[Load, float, int]:
    """Run a load; its figures, worker CPU seconds and Partner Center calls."""
    cpu, calls = server_cpu(bench.web_pid), bench.sandbox.calls()
    result = load()
    return result, server_cpu(bench.web_pid) - cpu, bench.sandbox.calls() - calls


def show(label: str, timed_load: tuple[Load, float, int], unit: str) -> None:
    load, cpu, calls = timed_load
    print(f"{label:15s}{load.rps:.0f} {unit}, p50 {load.p50:.1f} ms, p95 {load.p95:.1f} ms, "
          f"{cpu / load.count * 1000:.2f} ms of worker CPU and "
          f"{calls / load.count:.2f} Partner Center calls each")


def floor(bench: Bench, args, bare: Load, checkout: Load) -> dict[str, float]:
    """The repeat orders' statements alone (bench/checkout_server.py's /bench/floor)."""
    result = timed(bench, lambda: run_load(f"{bench.base}/bench/floor", args.seconds,
                                           args.threads, bench.buyers_file, bench.price_id))
    show("floor:", result, "orders/s")
    load = result[0]
    print(f"  -> floor vs bare: throughput {load.rps / bare.rps:.2f}x, p95 "
          f"{load.p95 / bare.p95:.2f}x; repeat orders vs floor: throughput "
          f"{checkout.rps / load.rps:.2f}x (target >= 0.8x), p95 {checkout.p95 / load.p95:.2f}x "
          "(target <= 1.5x)")
    return {"floor throughput": checkout.rps / load.rps, "floor p95": checkout.p95 / load.p95}


def print_medians(rounds: list[dict[str, float]]) -> None:
    median = {k: statistics.median(r[k] for r in rounds) for k in rounds[0]}
    print(f"median of {len(rounds)} rounds: repeat orders vs bare: throughput "
          f"{median['throughput']:.2f}x, p95 {median['p95']:.2f}x")
    if "floor p95" in median:
        print(f"  repeat orders vs floor: throughput {median['floor throughput']:.2f}x, "
              f"p95 {median['floor p95']:.2f}x")
    print(f"  first orders: {median['first rps']:.0f} orders/s, p50 {median['first p50']:.1f} "
          f"ms, p95 {median['first p95']:.1f} ms, {median['first calls']:.2f} Partner Center "
          "calls each")


def scale(bench: Bench, args) -> None:
    """Checkout p50/p95 with the buyers' share of subscriptions, before and after 1M."""
    ids = [customer for _token, customer in bench.buyers]
    orderers = [orderer(token, customer, bench.price_id) for token, customer in bench.buyers]
    add_bulk(bench.env, 0, len(ids) * args.per_buyer, ids, args.per_buyer)
    small = samples(bench.base, orderers, args.repeat)
    started = time.monotonic()
    add_bulk(bench.env, 100_000, 1_000_000, ids, args.per_buyer)
    print(f"(1M subscriptions, {args.per_buyer} of them each buyer's, and 100k customers "
          f"added in {time.monotonic() - started:.0f} s)")
    large = samples(bench.base, orderers, args.repeat)
    runs = f" (median of {args.repeat} runs)" if args.repeat > 1 else ""
    print(f"checkout, {len(ids)} buyers holding {args.per_buyer} subscriptions each, 400 "
          f"sequential orders after 40 unmeasured{runs}, Partner Center answering at once:")
    print(f"  ~{len(ids) * args.per_buyer // 1000}k subscriptions: p50 {small[0]:.1f} ms, "
          f"p95 {small[1]:.1f} ms; 1M subscriptions and 100k more customers: p50 "
          f"{large[0]:.1f} ms, p95 {large[1]:.1f} ms -> p50 {large[0] / small[0]:.2f}x, "
          f"p95 {large[1] / small[1]:.2f}x (target p95 <= 1.2x)")


def orderer(token: str, customer_id: int, price_id: int):
    """One order (a fresh Idempotency-Key) per call, for the sequential scale step."""
    body = {"customer_id": customer_id, "lines": [{"price_id": price_id, "quantity": 1}]}

    def order(session, url):
        return session.post(url, json=body, timeout=60, headers={
            "Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())})

    return order


def samples(base: str, orderers, rounds: int) -> tuple[float, float]:
    """Median over `rounds` of the p50 and p95 of sequential orders (ms)."""
    found = [sequential(base, orderers, 400) for _ in range(rounds)]
    return statistics.median(f[0] for f in found), statistics.median(f[1] for f in found)


def sequential(base: str, orderers, count: int, warm_up: int = 40) -> tuple[float, float]:
    """p50 and p95 (ms) of `count` orders one after another, round the buyers, after
    `warm_up` unmeasured ones (right after the bulk load the caches are cold)."""
    session, took = requests.Session(), []
    for n, order in enumerate(itertools.islice(itertools.cycle(orderers), warm_up + count)):
        started = time.perf_counter()
        order(session, f"{base}/api/v1/orders").raise_for_status()
        if n >= warm_up:
            took.append((time.perf_counter() - started) * 1000)
    cuts = statistics.quantiles(took, n=20)
    return statistics.median(took), cuts[18]


def start(env: dict, sandbox_port: int, web_port: int, workers: int) -> list:
    quiet = {"env": env, "cwd": ROOT, "stdout": subprocess.DEVNULL,
             "stderr": subprocess.DEVNULL}
    return [subprocess.Popen([str(BIN / "python"), "-m", "connectors.partner_center.sandbox",
                              "--port", str(sandbox_port)], **quiet),
            subprocess.Popen([str(BIN / "gunicorn"), "-w", str(workers), "-b",
                              f"127.0.0.1:{web_port}", "bench.checkout_server:app"], **quiet)]


def main() -> None:
    args = parse_args()
    subprocess.run([str(ROOT / ".ci" / "ensure-packages"), "wrk"], check=True)
    with tempfile.TemporaryDirectory() as tmp, services(
            args.backend, Path(tmp), durable=not args.fast_postgres) as backend:
        sandbox_port, web_port = free_port(), free_port()
        env = app_env(Path(tmp), backend, sandbox_port)
        price_id, buyers = prepare(env, args.threads)
        first = first_customers(env, first_per_thread(args) * args.threads * args.repeat)
        buyers_file = Path(tmp) / "buyers.txt"
        buyers_file.write_text("".join(f"{token} {customer}\n" for token, customer in buyers))
        procs = start(env, sandbox_port, web_port, args.workers)
        sandbox = f"http://127.0.0.1:{sandbox_port}"
        bench = Bench(f"http://127.0.0.1:{web_port}", env, price_id, buyers, buyers_file,
                      first, SandboxAdmin(sandbox), procs[1].pid, Path(tmp))
        try:
            wait_for(f"{sandbox}/_sandbox/state")
            wait_for(f"{bench.base}/healthz")
            measure(bench, args)
        finally:
            for p in procs:
                p.terminate()
                p.wait(timeout=10)


def parse_args() -> argparse.Namespace:
    title, _, details = __doc__.partition("\n\n")
    parser = argparse.ArgumentParser(description=title, epilog=details,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("seconds", nargs="?", type=float, default=15,
                        help="seconds per load phase (default 15)")
    parser.add_argument("threads", nargs="?", type=int, default=8,
                        help="client threads, one buyer each (default 8)")
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds of every phase, with the medians (default 1)")
    parser.add_argument("--floor", action="store_true",
                        help="also time /bench/floor: the repeat order's SQL and queueing, "
                             "no rules")
    parser.add_argument("--skip-scale", action="store_true",
                        help="only the load rounds (skip the 1M-subscription step)")
    parser.add_argument("--per-buyer", type=int, default=1000,
                        help="subscriptions each buyer holds in the scale step (default 1000)")
    parser.add_argument("--fast-postgres", action="store_true",
                        help="PostgreSQL with the tests' settings (fsync, synchronous commit "
                             "and full-page writes off) instead of durable ones")
    return parser.parse_args()


if __name__ == "__main__":
    main()
