"""Benchmark: checkout (POST /api/v1/orders, every rule, one transaction) under gunicorn.

Run: .venv/bin/python bench/checkout_load.py [SECONDS] [THREADS] [--backend postgres]
       [--repeat N] [--floor] [--skip-scale]
1. throughput and p95 of placing orders vs a bare endpoint doing one INSERT on the same
   server (targets: >= 0.5x throughput, <= 3x p95);
2. checkout latency with ~1k vs 1M subscriptions and 100k more customers (target: 1.2x).
With --floor each round also times /bench/floor: one order's statements and queueing with
no rules, no ORM and no validation, the least any checkout doing the issue's work costs.
The load comes from wrk (bench/wrk_orders.lua), as the issue asks, so the client's own cost
stays small next to the server's; --repeat alternates the two phases N times and gives
the median. gunicorn and the Partner Center sandbox run on free loopback ports; the
backend is SQLite (the embedded default) or PostgreSQL + Redis (the at-scale deployment,
via .ci/services).
"""

from __future__ import annotations

import argparse
import itertools
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.checkout_stack import BIN, ROOT, add_bulk, app_env, prepare, services  # noqa: E402

WRK = "/usr/bin/wrk"  # Debian's wrk (.ci/ensure-packages wrk)
LUA = Path(__file__).with_name("wrk_orders.lua")

MEASURED = """measured: each client thread is one API integration (its own token) ordering
  1 licence of Microsoft 365 E3 (monthly) for its own Polish customer (new
  tenant, NIP, reseller's MCA confirmation); every rule runs on every order, each order
  commits with its provisioning job and is queued to the broker. No worker runs."""


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
             price_id: int | None = None) -> tuple[float, float, int]:
    """Requests per second, p95 latency (ms) and the request count, measured by wrk: one
    thread and one connection per client; with buyers_file each places orders as its buyer."""
    env = {**os.environ}
    if buyers_file:
        env.update(BENCH_BUYERS=str(buyers_file), BENCH_PRICE=str(price_id))
    done = subprocess.run([WRK, "-t", str(threads), "-c", str(threads), "-d", f"{seconds:g}s",
                           "--timeout", "60s", "-s", str(LUA), url],
                          env=env, capture_output=True, text=True, check=True)
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRK ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no summary:\n{done.stdout}{done.stderr}")
    fields = {k: int(v) for k, v in (pair.split("=") for pair in line.split()[1:])}
    failed = {k: fields[k] for k in ("non2xx", "connect", "read", "write", "timeout") if fields[k]}
    if failed:
        raise RuntimeError(f"{url}: {failed} of {fields['requests']} requests failed")
    if fields["created"] != fields["requests"]:
        raise RuntimeError(f"{url}: {fields['created']} of {fields['requests']} answered 201")
    return (fields["requests"] / (fields["duration_us"] / 1e6), fields["p95_us"] / 1000,
            fields["requests"])


def measure(base: str, env: dict, buyers, price_id: int, args, web_pid: int,
            tmp: Path) -> None:
    buyers_file = tmp / "buyers.txt"
    buyers_file.write_text("".join(f"{token} {customer}\n" for token, customer in buyers))
    orders = f"{base}/api/v1/orders"
    run_load(orders, 2, args.threads, buyers_file, price_id)  # warm-up: connections, caches
    print(MEASURED)
    print(f"[{args.backend}, {args.workers} gunicorn workers, wrk with {args.threads} "
          f"connections, {args.seconds:g} s a phase, {args.repeat} round(s)]")
    ratios = []
    for _ in range(args.repeat):  # alternating phases: a shared VM drifts between minutes
        ratios.append(compare(base, orders, buyers_file, price_id, args, web_pid))
    if args.repeat > 1:
        print(f"median of {args.repeat} rounds: throughput "
              f"{statistics.median(r[0] for r in ratios):.2f}x, p95 "
              f"{statistics.median(r[1] for r in ratios):.2f}x")
    if args.skip_scale:
        return
    orderers = [orderer(token, customer, price_id) for token, customer in buyers]
    small = sequential(base, orderers, 400)
    started = time.monotonic()
    add_bulk(env, 100_000, 1_000_000)
    print(f"(1M subscriptions and 100k customers added in {time.monotonic() - started:.0f} s)")
    large = sequential(base, orderers, 400)
    print(f"checkout p50 with ~1k subscriptions {small:.1f} ms; with 1M subscriptions and "
          f"100k more customers {large:.1f} ms -> {large / small:.2f}x (target <= 1.2x)")


def compare(base: str, orders: str, buyers_file: Path, price_id: int, args,
            web_pid: int) -> tuple[float, float]:
    """One round: the bare endpoint, then checkout; prints both and returns the ratios."""
    cpu = server_cpu(web_pid)
    bare_rps, bare_p95, bare_count = run_load(f"{base}/bench/insert", args.seconds, args.threads)
    cpu, bare_cpu = server_cpu(web_pid), server_cpu(web_pid) - cpu
    rps, p95, count = run_load(orders, args.seconds, args.threads, buyers_file, price_id)
    checkout_cpu = server_cpu(web_pid) - cpu
    print(f"bare INSERT: {bare_rps:.0f} req/s, p95 {bare_p95:.1f} ms, "
          f"{bare_cpu / bare_count * 1000:.2f} ms of worker CPU each")
    print(f"checkout:    {rps:.0f} orders/s, p95 {p95:.1f} ms, "
          f"{checkout_cpu / count * 1000:.2f} ms of worker CPU each")
    print(f"  -> throughput {rps / bare_rps:.2f}x (target >= 0.5x), p95 {p95 / bare_p95:.2f}x "
          "(target <= 3x)")
    if args.floor:
        floor(base, buyers_file, price_id, args, web_pid, (bare_rps, bare_p95), (rps, p95))
    return rps / bare_rps, p95 / bare_p95


def floor(base: str, buyers_file: Path, price_id: int, args, web_pid: int, bare, checkout):
    """The same orders' statements alone (bench/checkout_server.py's /bench/floor)."""
    cpu = server_cpu(web_pid)
    rps, p95, count = run_load(f"{base}/bench/floor", args.seconds, args.threads,
                               buyers_file, price_id)
    print(f"floor:       {rps:.0f} orders/s, p95 {p95:.1f} ms, "
          f"{(server_cpu(web_pid) - cpu) / count * 1000:.2f} ms of worker CPU each")
    print(f"  -> floor vs bare: throughput {rps / bare[0]:.2f}x, p95 {p95 / bare[1]:.2f}x; "
          f"checkout vs floor: throughput {checkout[0] / rps:.2f}x, p95 {checkout[1] / p95:.2f}x")


def orderer(token: str, customer_id: int, price_id: int):
    """One order (a fresh Idempotency-Key) per call, for the sequential scale step."""
    body = {"customer_id": customer_id, "lines": [{"price_id": price_id, "quantity": 1}]}

    def order(session, url):
        return session.post(url, json=body, timeout=60, headers={
            "Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())})

    return order


def sequential(base: str, orderers, count: int, warm_up: int = 20) -> float:
    """Median latency (ms) of `count` orders one after another, round the buyers, after
    `warm_up` unmeasured ones (right after the bulk load the workers' caches are cold)."""
    session, samples = requests.Session(), []
    for n, order in enumerate(itertools.islice(itertools.cycle(orderers), warm_up + count)):
        started = time.perf_counter()
        order(session, f"{base}/api/v1/orders").raise_for_status()
        if n >= warm_up:
            samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


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
    with tempfile.TemporaryDirectory() as tmp, services(args.backend, Path(tmp)) as backend:
        sandbox_port, web_port = free_port(), free_port()
        env = app_env(Path(tmp), backend, sandbox_port)
        price_id, buyers = prepare(env, args.threads)
        procs = start(env, sandbox_port, web_port, args.workers)
        base = f"http://127.0.0.1:{web_port}"
        try:
            wait_for(f"http://127.0.0.1:{sandbox_port}/_sandbox/state")
            wait_for(f"{base}/healthz")
            measure(base, env, buyers, price_id, args, procs[1].pid, Path(tmp))
        finally:
            for p in procs:
                p.terminate()
                p.wait(timeout=10)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("seconds", nargs="?", type=float, default=15,
                        help="seconds per load phase (default 15)")
    parser.add_argument("threads", nargs="?", type=int, default=8,
                        help="client threads, one buyer each (default 8)")
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds of bare-then-checkout, with the median (default 1)")
    parser.add_argument("--floor", action="store_true",
                        help="also time /bench/floor: one order's SQL and queueing, no rules")
    parser.add_argument("--skip-scale", action="store_true",
                        help="only the throughput part (skip the 1M-subscription step)")
    return parser.parse_args()


if __name__ == "__main__":
    main()
