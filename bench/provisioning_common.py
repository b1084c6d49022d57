"""Shared set-up of the provisioning benchmarks: a database, orders, the process stack."""

from __future__ import annotations

import os
import time
import uuid
from collections import Counter
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from config.settings import TestingConfig
from orders.models import Order, ProvisioningJob
from persistence import db
from storefront import create_app
from tests.provisioning.factories import make_order, reseller_user
from tests.provisioning.stack import Stack, wait_until


def database_url(backend: str, tmp: Path) -> str:
    """A fresh database: a SQLite file, or a new database on TEST_DATABASE_URL's server."""
    if backend == "sqlite":
        return f"sqlite:///{tmp / 'bench.sqlite'}"
    server = make_url(os.environ["TEST_DATABASE_URL"]).set(drivername="postgresql+psycopg")
    name = f"bench_{uuid.uuid4().hex[:10]}"
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return server.set(database=name).render_as_string(hide_password=False)


def broker_url(backend: str, tmp: Path) -> str:
    """The SQLite broker, or Redis from TEST_REDIS_URL (flushed)."""
    if backend == "sqlite":
        return f"sqla+sqlite:///{tmp / 'broker.sqlite'}"
    import redis

    url = os.environ["TEST_REDIS_URL"].rstrip("/") + "/0"
    redis.Redis.from_url(url).flushdb()
    return url


def app_for(url: str):
    """The storefront on that database, tables created."""
    app = create_app(type("Settings", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": url}))
    with app.app_context():
        db.create_all()
    return app


def place_orders(count: int) -> list[int]:
    """`count` submitted orders, each for a new customer (a new tenant to create)."""
    user = reseller_user()
    return [make_order(user).id for _ in range(count)]


def run_until_settled(stack: Stack, timeout: float) -> float:
    """Seconds until every job is done or needs attention."""
    started = time.monotonic()

    def settled() -> bool:
        db.session.expire_all()
        open_jobs = db.session.scalar(select(func.count()).where(
            ProvisioningJob.state.not_in(("done", "attention"))))
        return open_jobs == 0

    if not wait_until(settled, timeout, interval=0.5):
        raise SystemExit("timed out before every order settled")
    return time.monotonic() - started


def outcome() -> Counter:
    """Orders by status."""
    return Counter(db.session.scalars(select(Order.status)))
