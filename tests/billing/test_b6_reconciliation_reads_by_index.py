"""B6 at scale: a month's reconciliation reads the charges later months billed whose period
begins in it (billing.late_billed) through the index on (period_start, billing_month) that
migration 0058 adds, on SQLite and PostgreSQL, for an old month as for a recent one:
without it, that read scanned the whole ledger."""

from __future__ import annotations

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, or_, select

from billing import late_billed
from billing.models import Charge
from persistence import db
from storefront import create_app
from tests.conftest import on_database
from tests.provisioning.databases import BACKENDS, database
from tests.query_plans import plan_of

INDEX = "ix_charges_period_start_billing_month"


def indexes() -> set[str]:
    return {index["name"] for index in inspect(db.engine).get_indexes("charges")}


def plan(month: str) -> str:
    """The plan of the month's read of our charges: its own, and those billed later."""
    read = select(Charge.id, Charge.amount).where(
        or_(Charge.billing_month == month, late_billed.billed_later(month)))
    compiled = str(read.compile(db.engine, compile_kwargs={"literal_binds": True}))
    return plan_of(compiled)


@pytest.mark.parametrize("backend", BACKENDS)
def test_b6_the_billed_later_read_uses_the_period_index_and_0058_adds_and_drops_it(
        backend, tmp_path):
    with database(backend, tmp_path) as url:
        app = create_app(on_database(url))
        with app.app_context():
            upgrade()
            assert INDEX in indexes()
            for month in ("2019-01", "2026-11"):  # an old month, a recent one
                assert INDEX in plan(month), plan(month)
            db.session.remove()
            downgrade(revision="0057_end_of_sale_sources")
            assert INDEX not in indexes()
            upgrade()
            assert INDEX in indexes()
            db.session.remove()
            db.engine.dispose()
