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
def services(backend: str, tmp: Path, durable: bool = False) -> Iterator[dict[str, str]]:
    """Database and broker settings for the backend; PostgreSQL and Redis stopped after.
    `durable`: PostgreSQL with fsync, synchronous commit and full-page writes on, as in
    production (the tests' settings make every commit cheaper than production's)."""
    if backend == "sqlite":
        yield {"DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite"}  # broker: the SQLite default
        return
    state = tmp / "services"
    try:
        subprocess.run(["bash", ".ci/services", "start", str(state),
                        *(["--durable"] if durable else [])], cwd=ROOT, check=True,
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
    words = python(env, SETUP, str(buyers), "0").split()
    price_id, pairs = int(words[0]), words[1:]
    return price_id, [(pairs[i], int(pairs[i + 1])) for i in range(0, len(pairs), 2)]


def first_customers(env: dict[str, str], count: int) -> list[int]:
    """Add `count` customers like the buyers, never ordered for: their ids."""
    return [int(w) for w in python(env, SETUP, "0", str(count)).split()[1:]]


def database_settings(env: dict[str, str]) -> str:
    """The durability settings the app's database runs with, as the server reports them."""
    return python(env, SETTINGS).strip()


def add_bulk(env: dict[str, str], customers: int, subscriptions: int,
             buyers: list[int], per_buyer: int) -> None:
    """Add `customers` customers and `subscriptions` subscriptions, `per_buyer` of them on
    each of `buyers` (consecutive ids) and spread evenly through the table, the rest on the
    new customers. Any earlier bulk subscriptions of the buyers are replaced."""
    if buyers != list(range(buyers[0], buyers[0] + len(buyers))):
        raise RuntimeError(f"the bench's buyers are not consecutive ids: {buyers}")
    python(env, SCALE, str(customers), str(subscriptions), str(buyers[0]), str(len(buyers)),
           str(per_buyer))


# Each buyer is a copy of the demo's Polish customer (valid NIP, new tenant, its own domain
# prefix) with the reseller's MCA confirmation, ordered through its own API token: many
# integrations ordering for many customers at once, as in production. The first-order
# customers are the same copies with no token and no order: a checkout for one asks
# Partner Center whether its domain is free, as a new customer's first order does.
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
SIGNER = mca.Signer("Marta", "Nowak", "marta@wingtiptoys.example")


def copy(model, user, name):
    # A new tenant of its own: the demo's customer now holds the tenant its demo
    # purchases made, which a copy must not claim.
    customer = Customer(**{c: getattr(model, c) for c in COPY}, tenant_mode="new",
                        domain_prefix=name)
    customer.company_name = f"{model.company_name} {name}"
    db.session.add(customer)
    db.session.commit()
    mca.record_acceptance(customer=customer, user=user, signer=SIGNER,
                          template_id=seed.MCA_TEMPLATE_ID, version=seed.MCA_TEMPLATE_ID,
                          date_agreed=date.today())
    return customer


app = create_app()
with app.app_context():
    user = db.session.scalar(select(User).filter_by(email="anna@northwind.example"))
    model = db.session.scalar(select(Customer).filter_by(country="PL"))
    price = db.session.scalar(select(Price).join(Sku).join(Product).where(
        Product.pc_product_id == "CFQ7TTC0LFLZ", Price.market == "PL",
        Price.term_duration == "P1M", Price.billing_cycle == "monthly"))
    out = [str(price.id)]
    for n in range(int(sys.argv[1])):
        buyer = copy(model, user, f"benchbuyer{n}")
        out += [tokens.issue(user, f"bench {n}")[1], str(buyer.id)]
    out += [str(copy(model, user, f"benchfirst{n}").id) for n in range(int(sys.argv[2]))]
    print(" ".join(out))
import bench.checkout_server  # noqa: E402,F401 - creates the bare endpoint's table
'''

SETTINGS = r'''
from persistence import db
from storefront import create_app

with create_app().app_context():
    conn = db.session.connection()
    if conn.dialect.name == "postgresql":
        names, ask = ("fsync", "synchronous_commit", "full_page_writes"), "SHOW {}"
    else:
        names, ask = ("journal_mode", "synchronous"), "PRAGMA {}"
    print(" ".join(f"{n}={conn.exec_driver_sql(ask.format(n)).scalar()}" for n in names))
'''

# Set-based inserts (generate_series on PostgreSQL, a recursive CTE on SQLite): 1M rows in
# seconds. Then, on PostgreSQL, VACUUM ANALYZE and a CHECKPOINT: the steady state after
# autovacuum (which would otherwise start on the new rows in the middle of the timing) and
# the next checkpoint (a durable server flushes the load's pages once). No ANALYZE on
# SQLite: the app never runs it there, and a SQLite connection keeps the statistics it
# loaded, so the running workers would go on planning by the small step's statistics
# (measured: a scan of all 100k customers in every checkout).
# Every k-th row belongs to a buyer (round the buyers), so each buyer's subscriptions lie
# spread through the whole table as years of purchases would, not in one block; the rest
# go round the new bulk customers. Families, cycles and statuses (a tenth suspended, a
# tenth cancelled, a tenth pending) vary per row, and per buyer. None is Microsoft 365 E3,
# the product the bench orders, and only Business lines are judged by K6, so the buyers'
# orders are still accepted: with no E3 held, C4 keeps each order a new subscription
# (no licences added to a held one), and K6's one-monthly-one-annual limit never applies
# to an E3 line whatever Business subscriptions the buyer holds.
SCALE = r'''
import sys
from sqlalchemy import text
from persistence import db
from storefront import create_app

customers, subs, buyer0, buyers, per_buyer = map(int, sys.argv[1:6])
FAMILIES = ("office365_business", "microsoft365", "dynamics", "software_subscription", "other")
PRODUCTS = ("CFQ7TTC0LDPB", "CFQ7TTC0LF8Q", "CFQ7TTC0LHSV", "CFQ7TTC0LCHN", "CFQ7TTC0LF5R")


def case(expression, values):
    whens = " ".join(f"WHEN {n} THEN '{v}'" for n, v in enumerate(values[:-1]))
    return f"CASE {expression} {whens} ELSE '{values[-1]}' END"


app = create_app()
with app.app_context():
    conn = db.session.connection()
    series = ("generate_series(0, :n - 1) AS g(i)" if conn.dialect.name == "postgresql"
              else "(WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s "
                   "WHERE i < :n - 1) SELECT i FROM s) AS g")
    conn.execute(text("DELETE FROM subscriptions WHERE pc_subscription_id LIKE 'bulk-%' "
                      "AND customer_id BETWEEN :b AND :b + :nb - 1"), {"b": buyer0, "nb": buyers})
    first = conn.execute(text("SELECT coalesce(max(id), 0) + 1 FROM customers")).scalar()
    reseller = conn.execute(text("SELECT reseller_id FROM customers WHERE id = :b"),
                            {"b": buyer0}).scalar()
    if customers:  # SQLite's series always yields its first row
        conn.execute(text("INSERT INTO customers (company_name, country, reseller_id, "
            "contact_first_name, contact_last_name, email, phone, address_line1, address_line2, "
            "city, region, postal_code, tax_id, language, tenant_mode, domain_prefix, tenant_id, "
            "tenant_domain, created_at, updated_at) SELECT 'Bulk ' || g.i, 'DE', 2, '', '', '', "
            "'', '', '', '', '', '', '', 'en', 'new', '', '', '', '2026-01-01', '2026-01-01' "
            f"FROM {series} ORDER BY g.i"), {"n": customers})
    # r.j: the row's place among the buyers' rows (-1: a bulk customer's); r.m: its place
    # among its owner's rows, which picks the family, status and cycle.
    rows = (f"(SELECT g.i, CASE WHEN g.i % :k = 0 AND g.i / :k < :nb * :per THEN g.i / :k "
            f"ELSE -1 END AS j FROM {series}) AS q")
    mixed = (f"(SELECT q.i, q.j, CASE WHEN q.j >= 0 THEN q.j / :nb ELSE q.i END AS m "
             f"FROM {rows}) AS r")
    conn.execute(text("INSERT INTO subscriptions (customer_id, reseller_id, product_id, "
        "tenant_id, pc_subscription_id, pc_order_id, offer_id, pc_product_id, pc_sku_id, "
        "title, family, billing_cycle, term_duration, quantity, status, autorenew, "
        "partner_id, purchased_at, created_at, updated_at) SELECT "
        "CASE WHEN r.j >= 0 THEN :b + r.j % :nb ELSE :first + r.i % :c END, "
        "CASE WHEN r.j >= 0 THEN :reseller ELSE 2 END, 1, '', 'bulk-' || r.i, '', '', "
        f"{case('r.m % 5', PRODUCTS)}, '0001', 'Bulk', {case('r.m % 5', FAMILIES)}, "
        f"{case('r.m / 50 % 2', ('monthly', 'annual'))}, {case('r.m / 50 % 2', ('P1M', 'P1Y'))}, "
        f"1, {case('r.m / 5 % 10', ('active',) * 7 + ('suspended', 'deleted', 'pending'))}, "
        f"TRUE, '', '2026-01-01', '2026-01-01', '2026-01-01' FROM {mixed}"),
        {"n": subs, "first": first, "c": max(customers, 1), "b": buyer0, "nb": buyers,
         "per": per_buyer, "k": max(subs // (buyers * per_buyer), 1), "reseller": reseller})
    db.session.commit()
    if conn.dialect.name == "postgresql":
        with db.engine.connect() as own:  # VACUUM runs outside a transaction
            own = own.execution_options(isolation_level="AUTOCOMMIT")
            own.exec_driver_sql("VACUUM ANALYZE")
            own.exec_driver_sql("CHECKPOINT")
'''

if __name__ == "__main__":
    sys.exit("import this module; run bench/checkout_load.py")
