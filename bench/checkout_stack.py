"""The checkout benchmarks' stack: a database and broker per backend, the bench data.

sqlite:   the embedded default — a SQLite file and Celery's SQLite broker.
postgres: the at-scale deployment — PostgreSQL and Redis started by `.ci/services`.
Settings are read from the environment when the app is imported, so every step that
touches the app runs in a subprocess with the environment this module builds.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"


@contextmanager
def services(backend: str, tmp: Path) -> Iterator[dict[str, str]]:
    """Database and broker settings for the backend; PostgreSQL and Redis stopped after."""
    if backend == "sqlite":
        yield {"DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite"}  # broker: the SQLite default
        return
    state = tmp / "services"
    try:
        subprocess.run(["bash", ".ci/services", "start", str(state)], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
        found = _exports(state / "env")
        redis = found["TEST_REDIS_URL"].rstrip("/")
        yield {"DATABASE_URL": found["TEST_DATABASE_URL"],
               "CELERY_BROKER_URL": f"{redis}/0", "CELERY_RESULT_BACKEND": f"{redis}/1"}
    finally:
        subprocess.run(["bash", ".ci/services", "stop", str(state)], cwd=ROOT, check=False)


def _exports(path: Path) -> dict[str, str]:
    """`export NAME=value` lines as a dict."""
    pairs = (shlex.split(line)[1].split("=", 1) for line in path.read_text().splitlines()
             if line.startswith("export "))
    return dict(pairs)


def app_env(tmp: Path, backend_settings: dict[str, str], sandbox_port: int) -> dict[str, str]:
    """The storefront's environment: the backend, the HTTP sandbox, no rate limit in the way."""
    return {**os.environ, "FLASK_APP": "storefront", "STOREFRONT_INSTANCE_DIR": str(tmp),
            "SECRET_KEY": "bench", "PARTNER_CENTER_BASE_URL": f"http://127.0.0.1:{sandbox_port}",
            "API_RATE_LIMIT": "100000000", "API_OWNER_RATE_LIMIT": "100000000",
            **backend_settings}


def python(env: dict[str, str], code: str, *args: str) -> str:
    """Run a script in the app's environment; its standard output."""
    done = subprocess.run([str(BIN / "python"), "-c", code, *args], env=env, cwd=ROOT,
                          check=True, capture_output=True, text=True)
    return done.stdout


def prepare(env: dict[str, str], buyers: int) -> tuple[int, list[tuple[str, int]]]:
    """Migrate, load the demo, add `buyers` customers; the price and (token, customer)s."""
    for step in (["db", "upgrade"], ["demo", "load"]):
        subprocess.run([str(BIN / "flask"), *step], env=env, cwd=ROOT, check=True,
                       capture_output=True)
    words = python(env, SETUP, str(buyers)).split()
    price_id, pairs = int(words[0]), words[1:]
    return price_id, [(pairs[i], int(pairs[i + 1])) for i in range(0, len(pairs), 2)]


def add_bulk(env: dict[str, str], customers: int, subscriptions: int) -> None:
    """Grow the database to `customers` more customers and `subscriptions` subscriptions."""
    python(env, SCALE, str(customers), str(subscriptions))


# Each buyer is a copy of the demo's Polish customer (valid NIP, new tenant, its own domain
# prefix) with the reseller's MCA confirmation, ordered through its own API token: many
# integrations ordering for many customers at once, as in production.
SETUP = r'''
import sys
from datetime import date
from sqlalchemy import select
from catalog.models import Price, Product, Sku
from accounts import api_tokens as tokens
from accounts.models import Customer, User
from agreements import mca
from connectors.partner_center.sandbox import seed
from persistence import db
from storefront import create_app

COPY = ("reseller_id", "company_name", "contact_first_name", "contact_last_name", "email",
        "phone", "address_line1", "address_line2", "city", "region", "postal_code", "country",
        "tax_id", "language")
app = create_app()
with app.app_context():
    user = db.session.scalar(select(User).filter_by(email="anna@northwind.example"))
    model = db.session.scalar(select(Customer).filter_by(country="PL"))
    price = db.session.scalar(select(Price).join(Sku).join(Product).where(
        Product.pc_product_id == "CFQ7TTC0LFLZ", Price.market == "PL",
        Price.term_duration == "P1M", Price.billing_cycle == "monthly"))
    out = [str(price.id)]
    for n in range(int(sys.argv[1])):
        # A new tenant of its own: the demo's customer now holds the tenant its demo
        # purchases made, which a copy must not claim.
        buyer = Customer(**{c: getattr(model, c) for c in COPY}, tenant_mode="new",
                         domain_prefix=f"benchbuyer{n}")
        buyer.company_name = f"{model.company_name} {n}"
        db.session.add(buyer)
        db.session.commit()
        mca.record_acceptance(customer=buyer, user=user, signer=mca.Signer(
            "Marta", "Nowak", "marta@wingtiptoys.example"), template_id=seed.MCA_TEMPLATE_ID,
            version=seed.MCA_TEMPLATE_ID, date_agreed=date.today())
        out += [tokens.issue(user, f"bench {n}")[1], str(buyer.id)]
    print(" ".join(out))
import bench.checkout_server  # noqa: E402,F401 - creates the bare endpoint's table
'''

# Set-based inserts (generate_series on PostgreSQL, a recursive CTE on SQLite): 1M rows in
# seconds, then ANALYZE so the planner sees the table as it would after autovacuum.
SCALE = r'''
import sys
from sqlalchemy import text
from persistence import db
from storefront import create_app

customers, subs = int(sys.argv[1]), int(sys.argv[2])
app = create_app()
with app.app_context():
    conn = db.session.connection()
    series = ("generate_series(0, :n - 1) AS g(i)" if conn.dialect.name == "postgresql"
              else "(WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s "
                   "WHERE i < :n - 1) SELECT i FROM s) AS g")
    first = conn.execute(text("SELECT coalesce(max(id), 0) + 1 FROM customers")).scalar()
    conn.execute(text("INSERT INTO customers (company_name, country, reseller_id, "
        "contact_first_name, contact_last_name, email, phone, address_line1, address_line2, "
        "city, region, postal_code, tax_id, language, tenant_mode, domain_prefix, tenant_id, "
        "tenant_domain, created_at, updated_at) SELECT 'Bulk ' || g.i, 'DE', 2, '', '', '', "
        "'', '', '', '', '', '', '', 'en', 'new', '', '', '', '2026-01-01', '2026-01-01' "
        f"FROM {series} ORDER BY g.i"), {"n": customers})
    conn.execute(text("INSERT INTO subscriptions (customer_id, reseller_id, product_id, "
        "tenant_id, pc_subscription_id, pc_order_id, offer_id, pc_product_id, pc_sku_id, "
        "title, family, billing_cycle, term_duration, quantity, status, autorenew, "
        "partner_id, purchased_at, created_at, updated_at) SELECT :first + g.i % :c, 2, 1, "
        "'', 'bulk-' || g.i, '', '', 'CFQ7TTC0LDPB', '0001', 'Bulk', 'office365_business', "
        "'monthly', 'P1M', 1, 'active', TRUE, '', '2026-01-01', '2026-01-01', '2026-01-01' "
        f"FROM {series}"), {"n": subs, "first": first, "c": customers})
    db.session.commit()
    conn = db.session.connection()
    conn.exec_driver_sql("ANALYZE")
    db.session.commit()
'''


if __name__ == "__main__":
    sys.exit("import this module; run bench/checkout_load.py")
