"""Throwaway databases for the provisioning tests: a SQLite file, or a fresh PostgreSQL
database on the server `make test` starts (TEST_DATABASE_URL, see .ci/services)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from config.settings import TestingConfig
from persistence import db
from storefront import create_app

PG_ENV = "TEST_DATABASE_URL"
REDIS_ENV = "TEST_REDIS_URL"
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def skip_without(*names: str) -> None:
    """Skip when the services are absent (a developer without them can still run pytest)."""
    missing = [n for n in names if not os.environ.get(n)]
    if missing:
        pytest.skip(f"{', '.join(missing)} not set: run `make test` to start the services")


@contextmanager
def database(backend: str, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database, dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.sqlite'}"
        return
    skip_without(PG_ENV)
    server = make_url(os.environ[PG_ENV]).set(drivername="postgresql+psycopg")
    name = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield server.set(database=name).render_as_string(hide_password=False)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@contextmanager
def app_on(backend: str, tmp_path: Path) -> Iterator[Flask]:
    """The storefront on an empty database of this backend, inside its app context."""
    with database(backend, tmp_path) as url:
        # Flask-SQLAlchemy builds its engine in init_app: the URL must be in the settings.
        app = create_app(type("Settings", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": url}))
        with app.app_context():
            db.create_all()
            yield app
            db.session.remove()
            db.engine.dispose()
