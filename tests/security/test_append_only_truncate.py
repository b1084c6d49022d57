"""The MCA ledger (K5) and the billing records (B3/B4) refuse TRUNCATE on PostgreSQL, as
they refuse UPDATE and DELETE: on a database the models create and on one the migrations
build (0039). SQLite has no TRUNCATE. Runs where `make test` started PostgreSQL."""

from __future__ import annotations

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from persistence import db
from storefront import create_app
from tests.conftest import on_database
from tests.provisioning.databases import app_on, database

REFUSALS = {"mca_acceptances": "append-only ledger", "mca_attestations": "append-only ledger",
            "charges": "immutable billing record", "invoices": "immutable billing record",
            "invoice_lines": "immutable billing record",
            "invoice_payments": "immutable billing record"}

pytestmark = pytest.mark.postgres


def truncate_is_refused(table: str, message: str) -> bool:
    """TRUNCATE (CASCADE: the foreign keys do not stop it first) fails with the message."""
    try:
        db.session.execute(text(f"TRUNCATE {table} CASCADE"))
    except DBAPIError as error:
        db.session.rollback()
        return message in str(error)
    db.session.rollback()
    return False


def test_tables_the_models_create_refuse_truncate(tmp_path):
    with app_on("postgres", tmp_path):
        assert {t: truncate_is_refused(t, m) for t, m in REFUSALS.items()} == dict.fromkeys(
            REFUSALS, True)


def test_tables_the_migrations_build_refuse_truncate_until_0039_is_undone(tmp_path):
    with database("postgres", tmp_path) as url:
        app = create_app(on_database(url))
        with app.app_context():
            upgrade()
            refused = {t: truncate_is_refused(t, m) for t, m in REFUSALS.items()}
            downgrade(revision="0038_catalog_changes")
            after_downgrade = truncate_is_refused("mca_acceptances", "append-only ledger")
            db.session.remove()
            db.engine.dispose()
    assert refused == dict.fromkeys(REFUSALS, True)
    assert not after_downgrade
