"""B3/B4: a billing run's credit note locks the invoice it credits before its number, even an
invoice issued while the note was being issued (by another run, or an admin), so an admin's
credit note of that invoice at the same moment waits its turn, on both databases.

The note locks the invoices that charged the credited seats, then takes its number (the order
every writer keeps, billing.invoices), then picks the newest of them it can credit. An invoice
committed after the invoices to lock were read is picked but was never locked: the note's
INSERT then locks it (its foreign key) after the number. An admin crediting it had locked it
and waited for the number: a deadlock on PostgreSQL, one of the two failing. (SQLite's write
lock serialises the two whole transactions: no deadlock there, before or now.)
"""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import event, func, select

from billing import corrections
from billing.invoices import issue_credit_note
from billing.models import Charge, ChargeType, Invoice
from billing.runs import issue_invoice, open_buyers, run_billing
from persistence import db
from tests.billing.test_numbering import many_buyers
from tests.provisioning.databases import BACKENDS, app_on
from tests.races import race

TODAY = date(2021, 7, 1)


def seats(kind: str, quantity: int, amount: str, start: date) -> Charge:
    """A seat change of the one subscription, to its cycle's end (4 July), billed in June."""
    return Charge(source=f"test:{kind}:{start}", buyer_reseller_id=1, customer_id=1,
                  subscription_id=1, charge_type=kind, description="Seats", quantity=quantity,
                  unit_price=Decimal("10.08"), effective_unit_price=Decimal(amount) / quantity,
                  amount=Decimal(amount), currency="EUR", market="DE", period_start=start,
                  period_end=date(2021, 7, 4), billing_month="2021-06")


def issuing_meanwhile(app, buyer, months=("2021-07",), charge=None):
    """A function arming a listener for the thread calling it, and the listener: each time
    that thread's credit note has read which invoices to lock and is about to lock them
    (SELECT … FOR UPDATE; on SQLite, BEGIN IMMEDIATE), another transaction issues the
    buyer's invoice of the next of `months` (with a new `charge(month)` if given)."""
    left, armed, previous = list(months), [], [""]

    def issue(month: str) -> None:
        with app.app_context():
            if charge is not None:
                db.session.add(charge(month))
                db.session.commit()
            assert isinstance(issue_invoice(buyer, month, TODAY, 30), Invoice)
            db.session.remove()

    def listener(conn, cursor, statement, parameters, context, executemany):
        if not left or threading.current_thread().name not in armed:
            return
        locking = statement == "BEGIN IMMEDIATE" or statement.endswith("FOR UPDATE")
        if locking and previous[0].startswith("SELECT DISTINCT invoices."):  # ids just read
            issuer = threading.Thread(target=issue, args=(left.pop(0),))
            issuer.start()
            issuer.join(timeout=30)
        previous[0] = statement

    return lambda: armed.append(threading.current_thread().name), listener


@pytest.mark.parametrize("backend", BACKENDS)
def test_b4_a_run_crediting_an_invoice_issued_meanwhile_and_an_admin_crediting_it_take_turns(
        backend, tmp_path):
    with app_on(backend, tmp_path) as app:
        many_buyers(1)
        assert run_billing("2021-06", date(2021, 6, 30)).invoices_issued == 1
        db.session.add_all([seats(ChargeType.ADD_QUANTITY, 1, "4.00", date(2021, 6, 10)),
                            seats(ChargeType.ADD_QUANTITY, 2, "6.00", date(2021, 6, 20)),
                            seats(ChargeType.REMOVE_QUANTITY, -1, "-3.00", date(2021, 6, 25))])
        db.session.commit()
        (buyer,) = open_buyers("2021-07")
        arm, listener = issuing_meanwhile(app, buyer)
        event.listen(db.engine, "before_cursor_execute", listener)

        def run_or_admin():
            if threading.current_thread().name == "A":  # the run's note of the seat removed
                pending = corrections.read_pending(buyer.owns(), "2021-07")
                arm()
                return corrections.issue_credit_notes(pending, TODAY)
            july = db.session.get(Invoice, db.session.scalar(select(func.max(Invoice.id))))
            (first_seat,) = [ln.id for ln in july.lines if ln.amount == Decimal("4.00")]
            return issue_credit_note(july, "Seat added by mistake", TODAY, [first_seat]).total

        try:  # A is held once it holds the credit-note series; B credits July's first line
            waited, outcomes = race({"A": app, "B": app}, "invoice_sequences", run_or_admin)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        # both issued, in either order (each fits what is left of July)
        assert waited and outcomes == {"A": (1, []), "B": Decimal("-4.76")}, outcomes
        db.session.expire_all()
        june, july, *notes = db.session.scalars(select(Invoice).order_by(Invoice.id))
        assert sorted((n.number, n.corrects_invoice_id) for n in notes) == [
            ("CN-2021-000001", july.id), ("CN-2021-000002", july.id)]
        # 10.00 + 1.90 VAT; the notes take 3.00 and 4.00 with the tax of what they leave
        assert sorted(n.total for n in notes) == [Decimal("-4.76"), Decimal("-3.57")]
        assert (july.total, july.balance_due, june.balance_due) == (
            Decimal("11.90"), Decimal("3.57"), Decimal("12.00"))


@pytest.mark.parametrize("backend", BACKENDS)
def test_b4_a_credit_whose_invoices_keep_being_issued_under_its_note_waits_for_the_next_run(
        backend, tmp_path):
    with app_on(backend, tmp_path) as app:
        many_buyers(1)
        run_billing("2021-06", date(2021, 6, 30))
        db.session.add(seats(ChargeType.REMOVE_QUANTITY, -1, "-3.00", date(2021, 6, 25)))
        db.session.commit()
        (buyer,) = open_buyers("2021-07")
        arm, listener = issuing_meanwhile(
            app, buyer, ["2021-07", "2021-08", "2021-09"],
            lambda month: seats(ChargeType.ADD_QUANTITY, 1, "4.00",
                                date(2021, 6, int(month[-2:]))))
        event.listen(db.engine, "before_cursor_execute", listener)
        try:  # each of the note's three tries picks an invoice issued after its lock
            pending = corrections.read_pending(buyer.owns(), "2021-07")
            arm()
            outcome = corrections.issue_credit_notes(pending, TODAY)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        assert outcome == (0, ["Seats: invoices that charged it were being issued while its "
                               "credit note was; run billing again to issue the note."])
        again = corrections.issue_credit_notes(
            corrections.read_pending(buyer.owns(), "2021-07"), TODAY)
        notes = db.session.scalars(select(Invoice).where(Invoice.kind == "credit_note")).all()
        newest = db.session.scalar(select(func.max(Invoice.id)).where(Invoice.kind == "invoice"))
        assert again == (1, []) and [(n.number, n.corrects_invoice_id) for n in notes] == [
            ("CN-2021-000001", newest)]  # no number taken by the tries
