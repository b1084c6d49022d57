"""Overage answers, invoice payments, and the customer's read-only view (O6, O8)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from billing.payments import PaymentInput, record_payment
from commitments.enrollment import Status
from commitments.records import services
from commitments.records.daily import run_daily
from commitments.records.models import Enrollment
from persistence import db
from tests.conftest import login
from tests.enrollments.conftest import (
    ENTERPRISE_CODES,
    SIGNED_ON,
    START,
    activate,
    at,
    mainland_enterprise,
    pay_commitment,
    post_action,
)


def run_days(first: date, last: date) -> list[str]:
    kinds, day = [], first
    while day <= last:
        kinds += [k.split(":")[1] for keys in run_daily(day).sent.values() for k in keys]
        day += timedelta(days=1)
    return kinds


def overrun(world, row) -> None:
    """The year 1 commitment paid on signing, then June's usage runs RMB 20,000 past it."""
    pay_commitment(row, SIGNED_ON, world.admin)
    services.record_usage(row, date(2025, 6, 10), "Compute", Decimal("120000"),
                          date(2025, 6, 10), world.admin)


def test_unanswered_overage_is_suspended_on_the_16th_of_the_second_month(world, active):
    overrun(world, active)
    kinds = run_days(date(2025, 7, 1), date(2025, 8, 16))
    assert kinds == ["overage_statement", "overage_notification", "overage_payment_advice",
                     "overage_payment_reminder", "overage_payment_reminder",
                     "suspend_for_unpaid_overage"]
    row = db.session.get(Enrollment, active.id)
    assert (row.status, row.status_since, row.suspension_reason) == (
        Status.SUSPENDED, date(2025, 8, 16), "unpaid_overage")


def answer_pay(client, world, row, on: date = date(2025, 7, 14)) -> None:
    """The partner records the customer's answer to June's overage: it will pay (O8)."""
    with at(on, client, world.admin):
        response = post_action(client, row, "settlements", {
            "settle_month": "2025-06", "settle_option": "pay", "responded_on": on.isoformat()})
    assert response.status_code == 302


def test_an_answer_recorded_by_the_15th_stops_the_payment_advice(client, world, active):
    """No advice on the 16th: the overage invoice of 6 July runs its term, to 5 August."""
    overrun(world, active)
    run_days(date(2025, 7, 1), date(2025, 7, 8))
    answer_pay(client, world, active)
    assert run_days(date(2025, 7, 9), date(2025, 8, 5)) == []
    assert db.session.get(Enrollment, active.id).status == Status.ACTIVE


def test_o8_overage_answered_pay_and_never_paid_is_dunned_and_suspended_like_any_unpaid_invoice(
    client, world, active
):
    """The audit: answered "pay" by the 15th and never paid, June's overage was never dunned.
    Its invoice falls due on 5 August unpaid: advice 6 August (30 days' notice), reminders
    3 weeks and 1 week before 5 September, suspension on it; each notice once."""
    overrun(world, active)
    run_days(date(2025, 7, 1), date(2025, 7, 8))
    answer_pay(client, world, active)
    assert run_days(date(2025, 7, 9), date(2025, 9, 5)) == [
        "overage_payment_advice", "overage_payment_reminder", "overage_payment_reminder",
        "suspend_for_unpaid_overage"]
    row = db.session.get(Enrollment, active.id)
    assert [(n.kind, n.sent_on) for n in row.notices if n.sent_on > date(2025, 7, 8)] == [
        ("overage_payment_advice", date(2025, 8, 6)),
        ("overage_payment_reminder", date(2025, 8, 15)),
        ("overage_payment_reminder", date(2025, 8, 29)),
        ("suspend_for_unpaid_overage", date(2025, 9, 5))]
    assert (row.status, row.status_since, row.suspension_reason) == (
        Status.SUSPENDED, date(2025, 9, 5), "unpaid_overage")
    assert run_days(date(2025, 9, 5), date(2025, 9, 5)) == []  # a replay sends nothing


def test_o8_overage_answered_pay_and_paid_on_its_invoice_before_the_due_date_is_not_suspended(
    client, world, active
):
    overrun(world, active)
    run_days(date(2025, 7, 1), date(2025, 7, 8))
    answer_pay(client, world, active)
    assert run_days(date(2025, 7, 9), date(2025, 8, 20)) == [
        "overage_payment_advice", "overage_payment_reminder"]
    overage = next(i.invoice for i in active.invoices if i.kind == "overage")
    record_payment(overage, PaymentInput(amount=str(overage.balance_due),
                                         paid_on=date(2025, 8, 21), method="wire_transfer",
                                         reference="June overage"), date(2025, 8, 21),
                   world.admin.id)
    assert run_days(date(2025, 8, 21), date(2025, 11, 30)) == []
    assert db.session.get(Enrollment, active.id).status == Status.ACTIVE


def test_the_admin_marks_the_partners_invoice_paid(client, world, active):
    invoice = active.invoices[0]
    login(client, world.admin)
    response = post_action(client, active, "invoices/paid", {
        "invoice_id": invoice.id, "paid_on": "2025-04-10", "payment_method": "wire_transfer"})
    assert response.status_code == 302
    db.session.expire_all()
    assert active.invoices[0].paid_on == date(2025, 4, 10)


def test_a_direct_customer_reads_its_own_enrollment_and_no_other(client, world, active):
    customer = mainland_enterprise(world.direct, ENTERPRISE_CODES[1])
    own = activate(services.create_enrollment(customer, START), world.admin)
    login(client, world.direct_user)
    page = client.get(f"/enrollments/{own.id}").get_data(as_text=True)
    assert own.number in page and "Record usage" not in page and "Suspend" not in page
    assert client.get(f"/enrollments/{active.id}").status_code == 404
    assert active.number not in client.get("/enrollments").get_data(as_text=True)


def test_without_a_mail_server_the_deliver_command_leaves_mail_in_the_outbox(app):
    result = app.test_cli_runner().invoke(args=["notifications", "deliver"])
    assert result.exit_code == 0 and "stay in the outbox" in result.output
