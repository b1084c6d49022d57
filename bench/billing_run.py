"""Benchmark: a monthly billing run over 100,000 subscriptions (billing.runs.run_billing).

    .venv/bin/python -m bench.billing_run [--subscriptions 100000] [--small 25000]
                                          [--resellers 200]

While iterating, run it at 20,000 subscriptions (about half a minute):

    .venv/bin/python -m bench.billing_run --subscriptions 20000 --small 5000

and report the figures at 100,000 (the defaults) once, by hand: it is never run by tests.
Target: `charges_vs_baseline` at most 3 (the issue's figure), memory flat.

A fresh SQLite file holds the subscriptions (each from its order line, monthly and annual
plans bought on every day of earlier months, so each owes one renew or cycleCharge in the
month billed), spread over resellers and their customers. Each measurement runs in a
process of its own, on its own copy of the database:

  baseline  one raw INSERT … SELECT writing the same number of charges, with the same
            columns, computed in SQL: the floor for writing them at all;
  charges   generate_charges(): the month's charges, streamed in pages, inserted in batches;
  run       run_billing(): the charges, then one invoice per reseller (INSERT … SELECT of
            its lines) with gap-free numbers;
  memory    the run again under tracemalloc: its peak above what was allocated before.

The memory figure for `--small` subscriptions too shows whether memory grows with their
number (it must not: nothing holds all subscriptions or charges at once).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

MB = 1024 * 1024
MONTH, TODAY = "2026-11", date(2026, 12, 1)
CHUNK = 5000


def _app(path: Path):
    from config.settings import TestingConfig
    from storefront import create_app

    return create_app(type("Bench", (TestingConfig,), {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"}))


def build(path: Path, subscriptions: int, resellers: int) -> None:
    """The database: resellers, 10 subscriptions per customer, each with order and line."""
    from sqlalchemy import insert

    from accounts.models import Customer, Reseller, Role
    from accounts.services import new_user
    from billing import tax
    from catalog.models import Price, Product, Sku
    from orders.models import Order, OrderLine
    from persistence import db
    from subscriptions.models import Subscription

    with _app(path).app_context():
        db.create_all()
        tax.ensure_seeded()
        user = new_user("bench@example.com", "pw-never-used-here", Role.PROVIDER_ADMIN)
        product = Product(pc_product_id="CFQ7TTC0LDPB", title="Microsoft 365 Business Standard",
                          family="office365_business")
        sku = Sku(product=product, pc_sku_id="0001", title=product.title)
        prices = [Price(sku=sku, term_duration=term, billing_cycle="monthly", market="DE",
                        currency="EUR", unit_price=Decimal("9.20"), erp_price=Decimal(erp))
                  for term, erp in (("P1M", "12.10"), ("P1Y", "10.08"))]
        db.session.add_all([user, product, sku, *prices])
        db.session.commit()
        db.session.execute(insert(Reseller), [{"company_name": f"Reseller {r:04d}"}
                                              for r in range(resellers)])
        customers = subscriptions // 10
        db.session.execute(insert(Customer), [
            {"company_name": f"Customer {c:06d}", "reseller_id": c % resellers + 1,
             "country": "DE", "domain_prefix": f"customer{c}"} for c in range(customers)])
        db.session.commit()
        for first in range(0, subscriptions, CHUNK):
            _chunk(db, range(first, min(first + CHUNK, subscriptions)), customers, resellers,
                   user.id, product.id, prices, Order, OrderLine, Subscription)
            db.session.commit()


def _chunk(db, numbers, customers, resellers, user_id, product_id, prices, Order, OrderLine,
           Subscription) -> None:
    from sqlalchemy import insert

    rows = [_row(n, customers, resellers, prices) for n in numbers]
    db.session.execute(insert(Order), [
        {"id": n + 1, "idempotency_key": f"bench-{n}", "customer_id": r["customer"],
         "reseller_id": r["reseller"], "placed_by_id": user_id, "currency": "EUR",
         "status": "provisioned"} for n, r in zip(numbers, rows, strict=True)])
    db.session.execute(insert(OrderLine), [
        {"id": n + 1, "order_id": n + 1, "line_number": 0, "product_id": product_id,
         "price_id": r["price"].id, "pc_product_id": "CFQ7TTC0LDPB", "pc_sku_id": "0001",
         "title": "Microsoft 365 Business Standard", "family": "office365_business",
         "billing_cycle": "monthly", "term_duration": r["price"].term_duration,
         "quantity": r["quantity"], "unit_price": r["price"].erp_price, "currency": "EUR",
         "status": "provisioned"} for n, r in zip(numbers, rows, strict=True)])
    db.session.execute(insert(Subscription), [
        {"customer_id": r["customer"], "reseller_id": r["reseller"], "product_id": product_id,
         "order_line_id": n + 1, "title": "Microsoft 365 Business Standard",
         "family": "office365_business", "billing_cycle": "monthly",
         "term_duration": r["price"].term_duration, "quantity": r["quantity"],
         "status": "active", "autorenew": True, "purchased_at": r["bought"]}
        for n, r in zip(numbers, rows, strict=True)])


def _row(n: int, customers: int, resellers: int, prices) -> dict:
    customer = n // 10 + 1
    # Bought on every day of the 12 months before November 2026, at 09:00 UTC.
    bought = datetime(2025, 11, 1, 9, tzinfo=UTC) + timedelta(days=n % 365)
    return {"customer": customer, "reseller": (customer - 1) % resellers + 1,
            "price": prices[n % 2], "quantity": n % 25 + 1, "bought": bought}


BASELINE = """
INSERT INTO charges (source, buyer_reseller_id, customer_id, subscription_id, order_line_id,
    pc_subscription_id, charge_type, description, quantity, unit_price, effective_unit_price,
    amount, currency, market, period_start, period_end, billing_month, created_at)
SELECT 'sub:' || s.id || ':' || :month || substr(s.purchased_at, 8, 3), c.reseller_id,
    s.customer_id, s.id, s.order_line_id, '', 'cycleCharge', s.title, s.quantity,
    l.unit_price, l.unit_price, printf('%.4f', l.unit_price * s.quantity), l.currency, 'DE',
    :month || substr(s.purchased_at, 8, 3), :month || substr(s.purchased_at, 8, 3), :month,
    CURRENT_TIMESTAMP
FROM subscriptions s JOIN customers c ON c.id = s.customer_id
JOIN order_lines l ON l.id = s.order_line_id
WHERE s.status = 'active'
"""


def measure(kind: str, path: Path) -> dict:
    """One measurement in this process, on the database at `path`."""
    from sqlalchemy import func, select, text

    from billing.charges import generate_charges
    from billing.models import Charge, Invoice
    from billing.runs import run_billing
    from persistence import db

    with _app(path).app_context():
        db.session.execute(text("SELECT count(*) FROM subscriptions")).scalar()  # warm
        if kind == "memory":
            tracemalloc.start()
            base = tracemalloc.get_traced_memory()[0]
        started = time.perf_counter()
        if kind == "baseline":
            db.session.execute(text(BASELINE), {"month": MONTH})
            db.session.commit()
        elif kind == "charges":
            generate_charges(MONTH, TODAY)
        else:
            run_billing(MONTH, TODAY)
        seconds = time.perf_counter() - started
        figures = {"seconds": round(seconds, 2)}
        if kind == "memory":
            figures["peak_mb"] = round((tracemalloc.get_traced_memory()[1] - base) / MB, 1)
            tracemalloc.stop()
        figures["charges"] = db.session.scalar(select(func.count(Charge.id)))
        figures["invoices"] = db.session.scalar(select(func.count(Invoice.id)))
    return figures


def run_in_child(kind: str, source: Path) -> dict:
    """Measure on a fresh copy of the database, in a process of its own."""
    copy = source.with_name(f"{kind}-{source.name}")
    shutil.copy(source, copy)
    out = subprocess.run([sys.executable, "-m", "bench.billing_run", "--child", kind,
                          str(copy)], capture_output=True, text=True, check=True)
    copy.unlink()
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subscriptions", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=25_000)
    parser.add_argument("--resellers", type=int, default=200)
    parser.add_argument("--child", nargs=2, metavar=("KIND", "DATABASE"))
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child[0], Path(args.child[1]))))
        return
    tmp = Path(tempfile.mkdtemp(prefix="bench-billing-"))
    report = {}
    for size in (args.subscriptions, args.small):
        source = tmp / f"billing-{size}.sqlite"
        started = time.perf_counter()
        build(source, size, args.resellers)
        figures = {"built_seconds": round(time.perf_counter() - started, 1)}
        kinds = ("baseline", "charges", "run", "memory") if size == args.subscriptions \
            else ("memory",)
        for kind in kinds:
            figures[kind] = run_in_child(kind, source)
        if "baseline" in figures:
            for kind in ("charges", "run"):
                figures[f"{kind}_vs_baseline"] = round(
                    figures[kind]["seconds"] / figures["baseline"]["seconds"], 2)
        report[size] = figures
        print(json.dumps({size: figures}), flush=True)
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
