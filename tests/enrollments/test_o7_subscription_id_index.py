"""O7 at scale: which enrollment holds an Azure subscription, in any case (adding one to an
account and converting one ask it), is read through the index on lower(subscription_id)
that migration 0059 adds, on SQLite and PostgreSQL: without it, that read scanned every
enrollment's subscriptions."""

from __future__ import annotations

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import event, text

from commitments.records.enrolled import enrolled_in
from persistence import db
from storefront import create_app
from tests.conftest import on_database
from tests.provisioning.databases import BACKENDS, database
from tests.query_plans import plan_of

INDEX = "ix_account_subscriptions_lower_subscription_id"
GUID = "3f2c9a7e-5b1d-4e8a-9c6f-0d7e1a2b3c4d"


def indexes() -> set[str]:
    """The table's indexes, read from the catalogue: SQLAlchemy cannot reflect an expression
    index on SQLite."""
    if db.engine.dialect.name == "sqlite":
        query = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = :table"
    else:
        query = "SELECT indexname FROM pg_indexes WHERE tablename = :table"
    return set(db.session.scalars(text(query), {"table": "account_subscriptions"}))


def plan_of_the_holders_read() -> str:
    """The plan of the statement enrolled_in runs, as it ran (SQL and parameters)."""
    ran: list[tuple[str, object]] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        ran.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        assert enrolled_in(GUID) is None
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    [(statement, parameters)] = ran
    return plan_of(statement, parameters)


@pytest.mark.parametrize("backend", BACKENDS)
def test_o7_the_holder_of_a_subscription_is_read_by_the_lower_case_index_0059_adds_and_drops(
        backend, tmp_path):
    with database(backend, tmp_path) as url:
        app = create_app(on_database(url))
        with app.app_context():
            upgrade()
            assert INDEX in indexes()
            plan = plan_of_the_holders_read()
            assert INDEX in plan, plan
            db.session.remove()
            downgrade(revision="0058_charges_period_index")
            assert INDEX not in indexes()
            db.session.remove()
            upgrade()
            assert INDEX in indexes()
            db.session.remove()
            db.engine.dispose()
