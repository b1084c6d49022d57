"""Benchmark: catalog pages' p95 with 5,000 products vs a bare endpoint on the same server.

Run: .venv/bin/python bench/catalog_page.py [PRODUCTS] [REQUESTS]   (target: p95 within 2x)
Starts gunicorn (2 workers) on a free loopback port with a fresh SQLite database, imports
a generated price list, signs in, and times sequential requests with one keep-alive client.
"""

from __future__ import annotations

import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from catalog_import import write_price_list  # noqa: E402

BIN = ROOT / ".venv" / "bin"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(tmp: Path, products: int) -> dict:
    env = {**os.environ, "FLASK_APP": "storefront", "STOREFRONT_INSTANCE_DIR": str(tmp),
           "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite'}", "SECRET_KEY": "bench"}
    run = lambda *args: subprocess.run([str(BIN / "flask"), *args], env=env, cwd=ROOT,  # noqa: E731
                                       check=True, capture_output=True)
    run("db", "upgrade")
    run("demo", "load")  # demo accounts (and its 11 demo products)
    prices = tmp / "prices.csv"
    write_price_list(prices, products * 30)  # 30 rows (2 SKUs x 3 terms x 5 markets) each
    run("catalog", "import", str(prices))
    return env


def percentile(samples: list[float], q: float) -> float:
    return statistics.quantiles(samples, n=100)[q - 1]


def timed(session: requests.Session, url: str) -> float:
    started = time.perf_counter()
    session.get(url, timeout=30).raise_for_status()
    return (time.perf_counter() - started) * 1000


def sign_in(session: requests.Session, base: str, email: str, password: str) -> None:
    page = session.get(f"{base}/login", timeout=10).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    session.post(f"{base}/login", data={"email": email, "password": password,
                                         "csrf_token": token}, timeout=10).raise_for_status()


def main() -> None:
    products = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    with tempfile.TemporaryDirectory() as tmp:
        env = prepare(Path(tmp), products)
        port = free_port()
        server = subprocess.Popen([str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}",
                                   "storefront:create_app()"], env=env, cwd=ROOT,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    requests.get(f"{base}/healthz", timeout=5)
                    break
                except requests.RequestException:
                    time.sleep(0.1)
            report(base, count)
        finally:
            server.terminate()
            server.wait(timeout=10)


def report(base: str, count: int) -> None:
    """Requests alternate between the three URLs, so a noisy moment on the machine falls on
    all of them alike instead of on whichever was being measured then."""
    customer, admin = requests.Session(), requests.Session()
    sign_in(customer, base, "it@adatum.example", "demo-customer-pass")
    sign_in(admin, base, "admin@provider.example", "demo-admin-pass")
    urls = {"bare /healthz": (customer, f"{base}/healthz"),
            "shop": (customer, f"{base}/shop?q=bench&page=40"),
            "admin catalog": (admin, f"{base}/admin/catalog?q=bench&page=40")}
    for session, url in urls.values():
        timed(session, url)  # warm-up: each worker renders and caches its listing
        timed(session, url)
    samples: dict[str, list[float]] = {name: [] for name in urls}
    for _ in range(count):
        for name, (session, url) in urls.items():
            samples[name].append(timed(session, url))
    bare = percentile(samples["bare /healthz"], 95)
    for name, values in samples.items():
        p95 = percentile(values, 95)
        print(f"{name}: p50={statistics.median(values):.1f}ms p95={p95:.1f}ms -> "
              f"{p95 / bare:.2f}x the bare endpoint's p95 (target <= 2x)")


if __name__ == "__main__":
    main()
