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


def measure(session: requests.Session, url: str, count: int) -> list[float]:
    session.get(url, timeout=30).raise_for_status()  # warm-up
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        session.get(url, timeout=30).raise_for_status()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


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
    customer, admin = requests.Session(), requests.Session()
    sign_in(customer, base, "it@adatum.example", "demo-customer-pass")
    sign_in(admin, base, "admin@provider.example", "demo-admin-pass")
    bare = measure(customer, f"{base}/healthz", count)
    for name, session, path in (("shop", customer, "/shop?q=bench&page=40"),
                                ("admin catalog", admin, "/admin/catalog?q=bench&page=40")):
        samples = measure(session, base + path, count)
        print(f"{name}: p50={statistics.median(samples):.1f}ms p95={percentile(samples, 95):.1f}"
              f"ms vs bare p95={percentile(bare, 95):.1f}ms -> "
              f"{percentile(samples, 95) / percentile(bare, 95):.2f}x (target <= 2x)")


if __name__ == "__main__":
    main()
