"""The daily job: each notice once, suspension and deprovisioning on seed 000's timeline."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from accounts.models import Role
from accounts.services import new_user
from commitments.enrollment import Status
from commitments.orders import OrderKind
from commitments.records import services
from commitments.records.daily import run_daily
from commitments.records.models import Enrollment, SentNotice
from notifications.models import OutboxEmail
from persistence import db
from tests.enrollments.conftest import SIGNED_ON, activate, at, notifications, pay_commitment


@pytest.fixture
def active(world, active):
    """The active enrollment with its year 1 commitment paid on signing: an unpaid one would
    be suspended first (O8, tests/enrollments/test_ospa_usage.py)."""
    pay_commitment(active, SIGNED_ON, world.admin)
    return active


def run_days(first: date, last: date) -> list[tuple[date, str]]:
    """Run the job every day from first to last; what it sent, as (day, key) pairs."""
    log, day = [], first
    while day <= last:
        for keys in run_daily(day).sent.values():
            log += [(day, key.split(":")[1]) for key in keys]
        day += timedelta(days=1)
    return log


def test_a_missing_year_2_order_leads_to_advice_reminders_and_suspension_on_1_may(
    world, active
):
    log = run_days(date(2026, 1, 31), date(2026, 5, 2))
    assert log == [
        (date(2026, 1, 31), "annual_order_reminder"),
        (date(2026, 3, 3), "annual_order_payment_advice"),
        (date(2026, 3, 25), "annual_order_reminder"),
        (date(2026, 4, 10), "annual_order_payment_reminder"),
        (date(2026, 4, 24), "annual_order_payment_reminder"),
        (date(2026, 5, 1), "suspend_for_missing_annual_order"),
    ]
    row = db.session.get(Enrollment, active.id)
    assert (row.status, row.status_since, row.suspension_reason) == (
        Status.SUSPENDED, date(2026, 5, 1), "missing_annual_order")


def test_running_the_job_twice_on_a_day_sends_nothing_new(world, active):
    first = run_daily(date(2026, 1, 31))
    before = notifications(), db.session.query(OutboxEmail).count()
    second = run_daily(date(2026, 1, 31))
    assert first.total == 1 and second.total == 0
    assert (notifications(), db.session.query(OutboxEmail).count()) == before


def test_each_notice_reaches_the_customer_the_reseller_and_the_provider(world, draft):
    buyer = new_user("cfo@alpha.example", "x" * 12, Role.CUSTOMER_USER, customer=world.customer_a)
    db.session.add(buyer)
    db.session.commit()
    pay_commitment(activate(draft, world.admin), SIGNED_ON, world.admin)
    run_daily(date(2025, 12, 17))  # the 105-day reminder
    for user in (world.admin, world.reseller_a_user, buyer):
        assert notifications(user) == 1
    assert notifications(world.reseller_b_user) == 0
    mail = db.session.scalars(select(OutboxEmail).where(
        OutboxEmail.to == buyer.email, OutboxEmail.subject.contains("Annual order"))).one()
    assert "Annual order due in 105 days" in mail.subject and draft.number in mail.subject


def test_data_is_marked_for_deprovisioning_90_days_after_suspension(world, active):
    run_days(date(2026, 5, 1), date(2026, 5, 1))
    assert active.status == Status.SUSPENDED
    assert run_days(date(2026, 7, 29), date(2026, 7, 29)) == []
    assert run_days(date(2026, 7, 30), date(2026, 7, 30)) == [
        (date(2026, 7, 30), "mark_for_deprovisioning")]
    assert db.session.get(Enrollment, active.id).deprovision_marked_on == date(2026, 7, 30)


def test_an_annual_order_in_the_window_prevents_the_payment_advice(world, active):
    services.place_commitment_order(active, OrderKind.ANNUAL, 2, Decimal("90000"),
                                    date(2026, 2, 20), world.admin)
    pay_commitment(active, date(2026, 2, 20), world.admin)  # else its invoice is dunned (O8)
    log = run_days(date(2026, 3, 1), date(2026, 5, 2))
    assert log == [] and active.status == Status.ACTIVE


def test_overage_is_invoiced_by_the_partner_when_its_statement_goes_out(world, active):
    services.record_usage(active, date(2025, 6, 10), "Compute", Decimal("120000"),
                          date(2025, 6, 10), world.admin)
    run_daily(date(2025, 7, 6))
    overage = [i for i in active.invoices if i.kind == "overage"]
    assert len(overage) == 1
    invoice = overage[0]
    assert invoice.amount_excl_tax == Decimal("20000") and invoice.overage_month == date(2025, 6, 1)
    assert invoice.issued_by == f"reseller:{world.reseller_a.id}"
    assert invoice.due_on == date(2025, 8, 5)
    kinds = {n.kind for n in db.session.scalars(select(SentNotice))}
    assert "overage_statement" in kinds


def test_the_flask_command_runs_the_job_for_a_given_date(app, world, active):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["commitments", "run-daily", "--date", "2025-12-17"])
    assert result.exit_code == 0, result.output
    assert f"{active.number}  {active.number}:annual_order_reminder:2026-04-01:105" in result.output
    again = runner.invoke(args=["commitments", "run-daily", "--date", "2025-12-17"])
    assert "0 notice(s) sent" in again.output


def test_the_notices_appear_on_the_enrollment_page(client, world, active):
    run_daily(date(2025, 12, 17))
    with at(date(2025, 12, 17), client, world.admin):
        page = client.get(f"/enrollments/{active.id}").get_data(as_text=True)
    assert "annual_order_reminder" in page and "Submit the year 2 annual order" in page
