"""B4/B5: a credit note and a payment of one invoice at the same moment take turns, on both
databases: the note locks the invoice as a payment does (then the credit-note series, the
order every writer takes), so a credit of the balance checks the balance a racing payment
left, and two writers of one invoice never each hold a lock the other waits for (a deadlock,
which PostgreSQL ends by failing one: a 500 on the admin's page, a billing run's error)."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from billing import corrections
from billing.invoices import add_credit_note
from billing.models import ChargeType, Invoice
from billing.payments import BillingInputError, PaymentInput, record_payment
from billing.runs import open_buyers, run_billing
from persistence import db
from tests.billing.test_b4_credit_note_of_an_invoice_issued_meanwhile import seats
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


def pay() -> Decimal:
    invoice = db.session.scalar(select(Invoice))
    return record_payment(invoice, PaymentInput("5.00", PAID_ON, "wire_transfer"), PAID_ON,
                          None).amount


def admin_note() -> Decimal:
    """An admin's credit note of 4.00 of the line (as an OSPA offset credits part of one)."""
    note = add_credit_note(db.session.scalar(select(Invoice)), "Goodwill", PAID_ON,
                           amount=Decimal("4.00"))
    db.session.commit()
    return note.total


def run_note() -> tuple[int, list[str]]:
    """A billing run's credit note of a seat removed (4.00), which the invoice charged."""
    (buyer,) = open_buyers("2021-07")
    return corrections.issue_credit_notes(
        corrections.read_pending(buyer.owns(), "2021-07"), PAID_ON)


WRITERS = {"payment": (pay, "invoice_payments", Decimal("5.00")),
           "admin_note": (admin_note, "invoice_sequences", Decimal("-4.76")),
           "run_note": (run_note, "invoice_sequences", (1, []))}


@pytest.mark.parametrize("first, second", [
    ("admin_note", "payment"), ("payment", "admin_note"), ("run_note", "payment"),
    ("payment", "run_note"), ("admin_note", "run_note"), ("run_note", "admin_note")])
@pytest.mark.parametrize("backend", BACKENDS)
def test_b4_a_payment_and_credit_notes_of_one_invoice_at_once_both_go_through(
        backend, tmp_path, first, second):
    with app_on(backend, tmp_path) as app:
        many_buyers(1)
        run_billing("2021-06", date(2021, 6, 30))  # 10.08 + 1.92 VAT
        if "run_note" in (first, second):
            db.session.add(seats(ChargeType.REMOVE_QUANTITY, -1, "-4.00", date(2021, 6, 25)))
            db.session.commit()
        writers = {"A": WRITERS[first][0], "B": WRITERS[second][0]}

        def write():
            return writers[threading.current_thread().name]()

        # A is held after its first write: a payment's row, a note's number
        waited, outcomes = race({"A": app, "B": app}, WRITERS[first][1], write)
        assert waited and outcomes == {"A": WRITERS[first][2], "B": WRITERS[second][2]}
        db.session.expire_all()
        invoice = db.session.scalar(select(Invoice).where(Invoice.kind == "invoice"))
        paid = "payment" in (first, second)
        # each note takes 4.00 and the tax of it: 12.00 - 4.76 - 5.00, or 12.00 - 2 × 4.76
        assert [note.total for note in invoice.credit_notes] == [Decimal("-4.76")] * (
            1 if paid else 2)
        assert (invoice.amount_paid, invoice.balance_due) == (
            (Decimal("5.00"), Decimal("2.24")) if paid else (0, Decimal("2.48")))
