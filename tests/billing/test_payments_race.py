"""B5: two admins recording the full balance of one invoice at the same moment: one payment
is recorded, the other is refused for exceeding the balance, on both databases (on SQLite,
whose driver opens a transaction only at a write, the check used to read outside one)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from billing.models import Invoice, Payment
from billing.payments import BillingInputError, PaymentInput, record_payment
from billing.runs import run_billing
from persistence import db
from tests.billing.test_numbering import many_buyers
from tests.provisioning.databases import BACKENDS, app_on
from tests.races import race


@pytest.mark.parametrize("backend", BACKENDS)
def test_b5_two_admins_paying_an_invoices_whole_balance_at_once_record_one_payment(
        backend, tmp_path):
    with app_on(backend, tmp_path) as app:
        many_buyers(1)
        run_billing("2021-06", date(2021, 6, 30))
        invoice_id = db.session.scalar(select(Invoice.id))
        balance = db.session.get(Invoice, invoice_id).balance_due

        def pay():
            return record_payment(db.session.get(Invoice, invoice_id),
                                  PaymentInput(str(balance), date(2021, 7, 2), "wire_transfer"),
                                  date(2021, 7, 2), None).amount

        waited, outcomes = race({"A": app, "B": app}, "invoice_payments", pay)
        assert waited and outcomes["A"] == balance
        refused = outcomes["B"]
        assert isinstance(refused, BillingInputError)
        assert str(refused).startswith("amount:") and "more than the balance due" in str(refused)
        assert db.session.scalars(select(Payment.amount)).all() == [balance]
        assert db.session.get(Invoice, invoice_id).balance_due == Decimal("0")
