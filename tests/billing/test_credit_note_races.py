"""B4/B5: a credit note and a payment of one invoice at the same moment take turns, on both
databases: the note locks the invoice as a payment does (then the credit-note series, the
order every writer takes), so a credit of the balance checks the balance a racing payment
left."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from billing.invoices import add_credit_note
from billing.models import Invoice
from billing.payments import BillingInputError, PaymentInput, record_payment
from billing.runs import run_billing
from persistence import db
from tests.billing.test_numbering import many_buyers
from tests.provisioning.databases import BACKENDS, app_on
from tests.races import race

PAID_ON = date(2021, 7, 2)


@pytest.mark.parametrize("backend", BACKENDS)
def test_b4_a_credit_of_the_balance_racing_a_payment_of_it_is_refused(backend, tmp_path):
    with app_on(backend, tmp_path) as app:
        many_buyers(1)
        run_billing("2021-06", date(2021, 6, 30))
        invoice_id = db.session.scalar(select(Invoice.id))
        balance = db.session.get(Invoice, invoice_id).balance_due

        def pay_or_credit():  # A pays the whole balance, B credits it all (tax included)
            invoice = db.session.get(Invoice, invoice_id)
            if threading.current_thread().name == "A":
                entry = PaymentInput(str(balance), PAID_ON, "wire_transfer")
                return record_payment(invoice, entry, PAID_ON, None).amount
            (line,) = invoice.lines
            note = add_credit_note(invoice, "Goodwill", PAID_ON, amount=line.amount,
                                   total=invoice.balance_due)
            db.session.commit()
            return note.total

        waited, outcomes = race({"A": app, "B": app}, "invoice_payments", pay_or_credit)
        assert waited and outcomes["A"] == balance
        refused = outcomes["B"]
        assert isinstance(refused, BillingInputError), refused
        assert str(refused).startswith("total:")
        invoice = db.session.get(Invoice, invoice_id)
        assert (invoice.credit_notes, invoice.balance_due) == ([], Decimal("0"))
