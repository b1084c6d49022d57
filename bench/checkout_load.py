"""Benchmark: checkout (POST /api/v1/orders, every rule, one transaction) under gunicorn.

Run: .venv/bin/python bench/checkout_load.py [SECONDS] [THREADS]
1. throughput and p95 of placing orders vs a bare endpoint doing one INSERT on the same
   server (targets: >= 0.5x throughput, <= 3x p95);
2. checkout latency with 1k vs 1M subscriptions and 100k customers (target: within 1.2x).
Runs gunicorn (2 workers) and the Partner Center sandbox on free loopback ports, SQLite.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str) -> None:
    for _ in range(200):
        try:
            requests.get(url, timeout=5)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


SETUP = r'''
import sys
from sqlalchemy import select, text
from storefront import create_app
from storefront.extensions import db
from storefront.accounts import Customer, User
from catalog.models import Price, Product, Sku
from storefront.api import tokens
app = create_app()
with app.app_context():
    user = db.session.scalar(select(User).filter_by(email="anna@northwind.example"))
    customer = db.session.scalar(select(Customer).filter_by(country="PL"))
    price = db.session.scalar(select(Price).join(Sku).join(Product).where(
        Product.pc_product_id == "CFQ7TTC0LFLZ", Price.market == "PL",
        Price.term_duration == "P1M", Price.billing_cycle == "monthly"))
    token = tokens.issue(user, "bench")[1]
    db.session.commit()
    from datetime import date
    from checkout import mca
    from connectors.partner_center.sandbox import seed
    mca.record_acceptance(customer=customer, user=user, signer=mca.Signer(
        "Marta", "Nowak", "marta@wingtiptoys.example"), template_id=seed.MCA_TEMPLATE_ID,
        version=seed.MCA_TEMPLATE_ID, date_agreed=date.today())
    print(token, customer.id, price.id)
'''

SCALE = r'''
import sys
from sqlalchemy import text
from storefront import create_app
from storefront.extensions import db
customers, subs = int(sys.argv[1]), int(sys.argv[2])
app = create_app()
with app.app_context():
    conn = db.session.connection()
    rows = [{"n": f"Bulk {i}", "c": "DE"} for i in range(customers)]
    conn.execute(text("INSERT INTO customers (company_name, country, reseller_id, "
        "contact_first_name, contact_last_name, email, phone, address_line1, address_line2, "
        "city, region, postal_code, tax_id, language, tenant_mode, domain_prefix, tenant_id, "
        "tenant_domain, created_at, updated_at) VALUES (:n, :c, 2, '', '', '', '', '', '', '', "
        "'', '', '', 'en', 'new', '', '', '', '2026-01-01', '2026-01-01')"), rows)
    first = conn.execute(text(
        "SELECT min(id) FROM customers WHERE company_name LIKE 'Bulk %'")).scalar()
    batch = []
    for i in range(subs):
        batch.append({"c": first + i % customers, "p": f"bulk-{i}"})
        if len(batch) == 50000 or i == subs - 1:
            conn.execute(text("INSERT INTO subscriptions (customer_id, reseller_id, product_id, "
                "tenant_id, pc_subscription_id, pc_order_id, offer_id, pc_product_id, pc_sku_id, "
                "title, family, billing_cycle, term_duration, quantity, status, autorenew, "
                "partner_id, purchased_at, created_at, updated_at) VALUES (:c, 2, 1, '', :p, '', "
                "'', 'CFQ7TTC0LDPB', '0001', 'Bulk', 'office365_business', 'monthly', 'P1M', 1, "
                "'active', 1, '', '2026-01-01', '2026-01-01', '2026-01-01')"), batch)
            batch = []
    db.session.commit()
'''


def run_load(url: str, make_request, seconds: float, threads: int) -> tuple[float, float]:
    """Requests per second and p95 latency (ms) of `threads` clients for `seconds`."""
    samples: list[float] = []
    lock, stop = threading.Lock(), time.monotonic() + seconds

    def client() -> None:
        session = requests.Session()
        while time.monotonic() < stop:
            started = time.perf_counter()
            response = make_request(session, url)
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code not in (200, 201):
                print(f"{url}: {response.status_code} {response.text[:300]}", file=sys.stderr)
                return
            with lock:
                samples.append(elapsed)

    workers = [threading.Thread(target=client) for _ in range(threads)]
    begin = time.monotonic()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return len(samples) / (time.monotonic() - begin), statistics.quantiles(samples, n=100)[94]


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 15
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    with tempfile.TemporaryDirectory() as tmp:
        sandbox_port, web_port = free_port(), free_port()
        env = {**os.environ, "FLASK_APP": "storefront", "STOREFRONT_INSTANCE_DIR": tmp,
               "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite", "SECRET_KEY": "bench",
               "PARTNER_CENTER_BASE_URL": f"http://127.0.0.1:{sandbox_port}",
               "API_RATE_LIMIT": "100000000"}
        flask = lambda *a: subprocess.run([str(BIN / "flask"), *a], env=env, cwd=ROOT,  # noqa: E731
                                          check=True, capture_output=True)
        flask("db", "upgrade")
        flask("demo", "load")
        token, customer_id, price_id = subprocess.run(
            [str(BIN / "python"), "-c", SETUP], env=env, cwd=ROOT, check=True,
            capture_output=True, text=True).stdout.split()
        procs = [subprocess.Popen([str(BIN / "python"), "-m", "connectors.partner_center.sandbox",
                                   "--port", str(sandbox_port)], env=env, cwd=ROOT,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
        procs.append(subprocess.Popen([str(BIN / "gunicorn"), "-w", "2", "-b",
                                       f"127.0.0.1:{web_port}", "bench.checkout_server:app"],
                                      env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL))
        base = f"http://127.0.0.1:{web_port}"
        try:
            wait_for(f"http://127.0.0.1:{sandbox_port}/_sandbox/state")
            wait_for(f"{base}/healthz")
            measure(base, env, token, int(customer_id), int(price_id), seconds, threads)
        finally:
            for p in procs:
                p.terminate()
                p.wait(timeout=10)


def measure(base, env, token, customer_id, price_id, seconds, threads) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    body = {"customer_id": customer_id, "lines": [{"price_id": price_id, "quantity": 1}]}

    def order(session, url):
        return session.post(url, json=body, headers={
            **headers, "Idempotency-Key": str(uuid.uuid4())}, timeout=60)

    def insert(session, url):
        return session.post(url, timeout=60)

    bare_rps, bare_p95 = run_load(f"{base}/bench/insert", insert, seconds, threads)
    rps, p95 = run_load(f"{base}/api/v1/orders", order, seconds, threads)
    print(f"bare INSERT: {bare_rps:.0f} req/s, p95 {bare_p95:.1f} ms")
    print(f"checkout:    {rps:.0f} orders/s, p95 {p95:.1f} ms  -> throughput "
          f"{rps / bare_rps:.2f}x (target >= 0.5x), p95 {p95 / bare_p95:.2f}x (target <= 3x)")
    small = sequential(base, order, 200)
    subprocess.run([str(BIN / "python"), "-c", SCALE, "100000", "1000000"], env=env, cwd=ROOT,
                   check=True)
    large = sequential(base, order, 200)
    print(f"checkout p50 with ~1k subscriptions {small:.1f} ms; with 1M subscriptions and "
          f"100k more customers {large:.1f} ms -> {large / small:.2f}x (target <= 1.2x)")


def sequential(base, order, count: int) -> float:
    session, samples = requests.Session(), []
    for _ in range(count):
        started = time.perf_counter()
        order(session, f"{base}/api/v1/orders").raise_for_status()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


if __name__ == "__main__":
    main()
