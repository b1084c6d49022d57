"""Overage answers, invoice payments, and the customer's read-only view (O6, O8)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

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


def test_an_answer_recorded_by_the_15th_stops_the_payment_advice(client, world, active):
    overrun(world, active)
    run_days(date(2025, 7, 1), date(2025, 7, 8))
    with at(date(2025, 7, 14), client, world.admin):
        response = post_action(client, active, "settlements", {
            "settle_month": "2025-06", "responded_on": "2025-07-14"})
    assert response.status_code == 302
    assert run_days(date(2025, 7, 9), date(2025, 8, 31)) == []
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
