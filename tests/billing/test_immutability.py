"""B3/B4: a charge and an issued invoice never change: the ORM refuses, and so does the
database when raw SQL tries (triggers on SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from billing.models import Charge, ImmutableRecordError, Invoice, InvoiceLine
from billing.runs import run_billing
from persistence import db
from tests.billing.conftest import price_in, provisioned


@pytest.fixture
def issued(shop, clock, pc_client) -> Invoice:
    provisioned(shop.customer_a, shop.reseller_a_user, price_in(shop, "DE", "EUR", "10.08"), 10,
                pc_client)
    run_billing("2021-06", date(2021, 6, 30))
    return db.session.query(Invoice).one()


def test_the_orm_refuses_to_edit_an_issued_invoice(issued):
    issued.total = Decimal("1.00")
    with pytest.raises(ImmutableRecordError, match="never change"):
        db.session.commit()
    db.session.rollback()


@pytest.mark.parametrize("model", [Invoice, InvoiceLine, Charge])
def test_the_orm_refuses_to_delete_billing_records(issued, model):
    db.session.delete(db.session.query(model).first())
    with pytest.raises(ImmutableRecordError):
        db.session.commit()
    db.session.rollback()


@pytest.mark.parametrize("statement", [
    "UPDATE invoices SET total = '1.0000'",
    "DELETE FROM invoices",
    "UPDATE invoice_lines SET amount = '0.0000'",
    "DELETE FROM invoice_lines",
    "UPDATE charges SET amount = '0.0000'",
    "DELETE FROM charges",
])
def test_the_database_refuses_raw_sql_that_would_edit_billing_records(issued, statement):
    with pytest.raises(DBAPIError, match="immutable billing record"):
        db.session.execute(text(statement))
    db.session.rollback()
    assert db.session.query(Invoice).one().total == Decimal("119.95")
