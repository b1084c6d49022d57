"""B4 payments: an invoice goes unpaid → partially paid → paid as an admin records payments;
past its due date with a balance it is overdue (frozen time); over-payment is refused with
a message naming the field; payments are append-only (ORM and database); recording one asks
for confirmation first; the page, CSV and API show the status and the balance due."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from pypdf import PdfReader
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from billing.documents import Filters, invoice_list
from billing.invoices import add_credit_note, issue_credit_note
from billing.models import ImmutableRecordError, Invoice, Payment
from billing.payments import PaymentInput, record_payment
from billing.periods import BillingInputError
from persistence import db
from tests.api.factories import bearer
from tests.billing.factories import make_invoice
from tests.conftest import login, post_form, served

# make_invoice: 100.00 net + 19 % = 119.00, issued 1 April 2025, due 1 May 2025.
BEFORE_DUE, AFTER_DUE = date(2025, 4, 20), date(2025, 5, 2)


@pytest.fixture
def invoice(world) -> Invoice:
    return make_invoice(customer=world.direct)


@pytest.fixture
def april():
    with time_machine.travel(datetime(2025, 4, 20, 12, tzinfo=UTC), tick=False) as traveller:
        yield traveller


def pay(invoice, amount: str, *, on: date = BEFORE_DUE, reason: str = "", admin=None):
    return record_payment(invoice, PaymentInput(amount, on, "wire_transfer", "TX-1", reason),
                          on, admin.id if admin else None)


def statuses(world, status: str) -> list[str]:
    rows = db.session.scalars(invoice_list(world.admin, Filters.read(status=status)))
    return [i.number for i in rows]


def test_an_invoice_goes_unpaid_then_partially_paid_then_paid(world, invoice, april):
    assert (invoice.status, invoice.balance_due) == ("unpaid", Decimal("119.00"))
    assert statuses(world, "unpaid") == [invoice.number]
    pay(invoice, "19.00")
    assert (invoice.status, invoice.amount_paid, invoice.balance_due) == (
        "partially_paid", Decimal("19.00"), Decimal("100.00"))
    assert statuses(world, "partially_paid") == [invoice.number]
    assert statuses(world, "unpaid") == statuses(world, "paid") == []
    pay(invoice, "100.00")
    assert (invoice.status, invoice.balance_due) == ("paid", Decimal(0))
    assert statuses(world, "paid") == [invoice.number]


def test_past_its_due_date_with_a_balance_an_invoice_is_overdue(world, invoice, april):
    paid_in_full = make_invoice(customer=world.direct)
    pay(paid_in_full, "119.00")
    pay(invoice, "50.00")
    april.move_to(datetime(2025, 5, 1, 23, 59, tzinfo=UTC))  # the due date: not yet overdue
    assert invoice.status == "partially_paid"
    april.move_to(datetime(2025, 5, 2, 0, 1, tzinfo=UTC))
    assert (invoice.status, paid_in_full.status) == ("overdue", "paid")
    assert statuses(world, "overdue") == [invoice.number]
    assert statuses(world, "paid") == [paid_in_full.number]


def test_b4_a_credit_note_lowers_the_balance_due_and_a_full_one_credits_the_invoice(
        world, invoice, april):
    # Was "paid": a reader took an invoice nobody paid for one the buyer had paid.
    issue_credit_note(invoice, "Price error", BEFORE_DUE)
    db.session.expire_all()
    assert (invoice.balance_due, invoice.status) == (Decimal(0), "credited")
    assert statuses(world, "credited") == [invoice.number]
    assert statuses(world, "paid") == statuses(world, "unpaid") == []
    april.move_to(datetime(2025, 6, 1, 12, tzinfo=UTC))  # long past due: nothing to chase
    assert invoice.status == "credited" and statuses(world, "overdue") == []
    with pytest.raises(BillingInputError, match=r"^amount: .*balance due of €0\.00"):
        pay(invoice, "1.00")


def test_b4_an_invoice_partly_credited_is_owed_for_the_rest_and_paid_once_that_is_paid(
        world, invoice, april):
    add_credit_note(invoice, "Discount agreed", BEFORE_DUE, amount=Decimal("40.00"))
    db.session.commit()
    db.session.expire_all()
    # 40.00 net and its 7.60 VAT credited: 71.40 of the 119.00 is still owed
    assert (invoice.status, invoice.balance_due) == ("unpaid", Decimal("71.40"))
    pay(invoice, "30.00")
    assert (invoice.status, statuses(world, "partially_paid")) == (
        "partially_paid", [invoice.number])
    pay(invoice, "41.40")
    assert (invoice.status, invoice.balance_due) == ("paid", Decimal(0))
    assert statuses(world, "paid") == [invoice.number]
    assert statuses(world, "credited") == []


@pytest.mark.parametrize(("amount", "message"), [
    # The invoice's own money, as its page writes it.
    ("119.01", "amount: €119.01 is more than the balance due of €119.00; record at most the "
               "balance."),
    ("12.345", "amount: EUR has at most 2 decimals; enter e.g. 1.00."),
    ("lots", "amount: enter the amount paid, e.g. 119.95"),
    ("0", "amount: enter the amount paid"),
])
def test_a_wrong_amount_is_refused_naming_the_field(invoice, april, amount, message):
    with pytest.raises(BillingInputError) as refused:
        pay(invoice, amount)
    assert str(refused.value).startswith(message)
    assert db.session.scalar(select(func.count(Payment.id))) == 0


def test_a_reversal_needs_its_reason_and_takes_back_at_most_what_was_paid(invoice, april):
    pay(invoice, "50.00")
    with pytest.raises(BillingInputError, match=r"^reason: say why the payment is reversed"):
        pay(invoice, "-50.00")
    with pytest.raises(BillingInputError, match=r"^amount: a reversal takes back at most "
                                                r"what was paid, €50\.00\."):
        pay(invoice, "-50.01", reason="Cheque bounced")
    pay(invoice, "-50.00", reason="Cheque bounced")
    assert (invoice.status, invoice.amount_paid) == ("unpaid", Decimal(0))
    assert [p.amount for p in invoice.payments] == [Decimal("50.00"), Decimal("-50.00")]


def test_a_payment_in_the_future_is_refused(invoice, april):
    with pytest.raises(BillingInputError, match=r"^paid_on: 2025-04-21 is in the future"):
        record_payment(invoice, PaymentInput("10", date(2025, 4, 21), "card"), BEFORE_DUE, None)


def test_the_orm_refuses_to_edit_or_delete_a_payment(invoice, april):
    payment = pay(invoice, "10.00")
    payment.amount = Decimal("1000.00")
    with pytest.raises(ImmutableRecordError, match="never change"):
        db.session.commit()
    db.session.rollback()
    db.session.delete(payment)
    with pytest.raises(ImmutableRecordError):
        db.session.commit()
    db.session.rollback()


@pytest.mark.parametrize("statement", [
    "UPDATE invoice_payments SET amount = '1000.0000'", "DELETE FROM invoice_payments"])
def test_the_database_refuses_raw_sql_that_would_edit_a_payment(invoice, april, statement):
    pay(invoice, "10.00")
    with pytest.raises(DBAPIError, match="immutable billing record"):
        db.session.execute(text(statement))
    db.session.rollback()
    assert db.session.scalar(select(Payment.amount)) == Decimal("10.00")


def _post_payment(client, invoice, **fields):
    data = {"amount": "19.00", "paid_on": "2025-04-20", "method": "cheque",
            "reference": "CHQ 0042", "reason": "", **fields}
    return post_form(client, f"/invoices/{invoice.id}/payments", data,
                     token_url=f"/invoices/{invoice.id}")


def test_an_admin_records_a_payment_on_the_invoice_page_after_confirming(
        client, world, invoice, april):
    login(client, world.admin)
    page = client.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    assert "Record a payment" in page and "data-confirm=" in page
    asked = _post_payment(client, invoice)
    assert asked.status_code == 422 and "Payments are never edited or deleted" in \
        asked.get_data(as_text=True)
    assert "Record a payment of €19.00 against invoice" in asked.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Payment.id))) == 0  # nothing done yet
    done = _post_payment(client, invoice, confirm="yes")
    assert done.status_code == 302
    payment = db.session.scalar(select(Payment))
    assert (payment.amount, payment.method, payment.reference, payment.recorded_by_id) == (
        Decimal("19.00"), "cheque", "CHQ 0042", world.admin.id)
    page = client.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    assert 'data-testid="status">Partially paid' in page
    # Every amount in one sentence written as the invoice writes it.
    assert "Payment of €19.00 recorded against" in page and "balance due €100.00." in page
    assert "100.00" in page.split('data-testid="balance-due"')[1][:80]


def test_over_payment_on_the_page_is_refused_beside_the_amount(client, world, invoice, april):
    login(client, world.admin)
    response = _post_payment(client, invoice, amount="500", confirm="yes")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="payment-amount-err"' in page and "more than the balance due of €119.00" in page
    assert db.session.scalar(select(func.count(Payment.id))) == 0


def test_only_provider_admins_may_record_a_payment(client, world, invoice, april):
    login(client, world.direct_user)
    page = client.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    assert "Record a payment" not in page
    response = _post_payment(client, invoice, confirm="yes")
    assert response.status_code == 403
    assert db.session.scalar(select(func.count(Payment.id))) == 0


def test_the_csv_pdf_and_list_show_status_and_balance(client, world, invoice, april):
    pay(invoice, "19.00")
    login(client, world.direct_user)
    rows = list(csv.DictReader(io.StringIO(
        served(client, f"/invoices/{invoice.id}.csv").get_data(as_text=True))))
    assert (rows[0]["Status"], rows[0]["Amount paid"], rows[0]["Balance due"]) == (
        "partially_paid", "19.00", "100.00")
    pdf = client.get(f"/invoices/{invoice.id}.pdf")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Partially paid" in text and "Balance due" in text
    listing = client.get("/invoices?status=partially_paid").get_data(as_text=True)
    assert invoice.number in listing and 'data-status="partially_paid"' in listing
    assert invoice.number not in client.get("/invoices?status=paid").get_data(as_text=True)
    refused = client.get("/invoices?status=settled")
    assert refused.status_code == 400 and "Status: choose unpaid" in refused.get_data(
        as_text=True)


def test_the_api_shows_status_amount_paid_and_balance_due(client, world, invoice, april):
    pay(invoice, "19.00")
    headers = bearer(world.direct_user)
    one = client.get(f"/api/v1/invoices/{invoice.id}", headers=headers).get_json()
    assert (one["status"], one["amount_paid"], one["balance_due"]) == (
        "partially_paid", "19.00", "100.00")
    listed = client.get("/api/v1/invoices?status=partially_paid", headers=headers).get_json()
    assert [i["number"] for i in listed["items"]] == [invoice.number]
    assert client.get("/api/v1/invoices?status=paid", headers=headers).get_json()["items"] == []
    spec = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    invoice_schema = next(s for name, s in spec.items() if name.startswith("Invoice")
                          and "balance_due" in s.get("properties", {}))
    assert {"status", "amount_paid", "balance_due"} <= set(invoice_schema["required"])
