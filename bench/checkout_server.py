"""The storefront plus one bare endpoint doing a single INSERT, for checkout_load.py.

gunicorn "bench.checkout_server:app" — the bare endpoint is the benchmark's baseline and is
never part of the product.
"""

import hashlib
import uuid
from datetime import UTC, datetime

from flask import request
from sqlalchemy import bindparam, insert, select, text, update

from orders import snapshot
from persistence import db
from storefront import create_app, throttling
from storefront.extensions import csrf

app = create_app()


@app.post("/bench/insert")
@csrf.exempt
def bench_insert():
    db.session.execute(text("INSERT INTO bench_rows (note) VALUES ('x')"))
    db.session.commit()
    return {"ok": True}, 201


with app.app_context():
    # Created by the bench's set-up before gunicorn starts (workers racing a CREATE on
    # PostgreSQL collide); IF NOT EXISTS makes this a no-op then.
    key = ("id SERIAL PRIMARY KEY" if db.engine.dialect.name == "postgresql"
           else "id INTEGER PRIMARY KEY")
    db.session.execute(text(f"CREATE TABLE IF NOT EXISTS bench_rows ({key}, note TEXT)"))
    db.session.commit()


# --- The floor: one order's reads and writes, with nothing else -----------------------------
# /bench/floor issues the statements one checkout issues (bench/checkout_profile.py lists
# them), as prebuilt Core statements on the same tables, in one transaction with the same
# lock, then commits and queues the order. No rules, no ORM, no schema validation: it is
# what the required work costs on this server before any of our code runs, so
# checkout can be judged against it as well as against the single INSERT.


def _floor_statements() -> dict:
    t = db.metadata.tables
    tokens, customers, orders = t["api_tokens"], t["customers"], t["orders"]
    lines = t["order_lines"]
    p = bindparam
    return {
        "owner": select(tokens).where(tokens.c.token_hash == p("hash")),
        "customer": select(customers).where(customers.c.id == p("customer")),
        "price": select(t["prices"]).where(t["prices"].c.id == p("price")),
        "version": select(t["catalog_version"].c.value),
        "lock": update(customers).where(customers.c.id == p("customer"))
        .values(updated_at=customers.c.updated_at).returning(*customers.c),
        "order": insert(orders).returning(orders.c.id),
        "event": insert(t["order_events"]),
        "line": insert(lines),
        "job": insert(t["provisioning_jobs"]),
    }


_FLOOR: dict = {}


@app.post("/bench/floor")
@csrf.exempt
def bench_floor():
    from provisioning.tasks import enqueue_provisioning

    s = _FLOOR or _FLOOR.update(_floor_statements()) or _FLOOR
    body, now = request.get_json(), datetime.now(UTC)
    secret = request.headers["Authorization"].split()[1]
    known = {"hash": hashlib.sha256(secret.encode()).hexdigest(), "now": now,
             "customer": body["customer_id"], "price": body["lines"][0]["price_id"],
             "key": request.headers["Idempotency-Key"]}
    run = db.session.execute
    store = throttling.store()
    # The address's count of requests without a live token, read before any token lookup
    # (storefront/api/__init__.py's _authenticate), then the token and the rate limit: the
    # token's and its owner's counts.
    store.count(f"api:bad-token:{throttling.client_address()}", now)
    owner = run(s["owner"], known).one()
    store.hit(f"api:token:{owner.id}", 60, now)
    store.hit(f"api:reseller:{owner.reseller_id}", 60, now)
    run(s["customer"], known).one()
    price = run(s["price"], known).one()
    run(s["version"])
    if db.engine.dialect.name == "sqlite":
        db.session.rollback()
        db.session.connection().exec_driver_sql("BEGIN IMMEDIATE")
    customer = run(s["lock"], known).one()
    snapshot.read(customer, known["key"])  # the rules' reads and the replay check: one trip
    order_id = run(s["order"], {
        "idempotency_key": known["key"], "fingerprint": "", "customer_id": customer.id,
        "reseller_id": customer.reseller_id, "placed_by_id": owner.user_id,
        "status": "submitted", "status_reason": "", "next_step": "", "currency": "PLN",
        "total": price.unit_price, "correlation_id": str(uuid.uuid4()),
        "created_at": now, "updated_at": now}).scalar_one()
    run(s["event"], {"order_id": order_id, "at": now, "status": "submitted", "note": ""})
    run(s["line"], {"order_id": order_id, "line_number": 0, "product_id": 1,
                    "price_id": price.id, "pc_product_id": "x", "pc_sku_id": "x", "title": "x",
                    "family": "x", "billing_cycle": "monthly", "quantity": 1,
                    "unit_price": price.unit_price, "currency": "PLN"})
    run(s["job"], {"order_id": order_id, "run_after": now, "created_at": now,
                   "updated_at": now, "state": "done"})
    db.session.commit()
    enqueue_provisioning(order_id)
    return {"id": order_id, "number": f"F-{order_id:06d}", "status": "submitted"}, 201
