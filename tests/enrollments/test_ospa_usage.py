"""#24, seed 000: usage per account and subscription, periodic usage notifications, the order
confirmation and the welcome letter (O5), suspension for an unpaid monetary commitment that
disables the subscriptions, and dunning to termination (O8). The clock is frozen throughout."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from billing.payments import PaymentInput, record_payment
from commitments.enrollment import Status
from commitments.problems import CommitmentRefused
from commitments.records import services, usage
from commitments.records.daily import run_daily
from commitments.records.models import Enrollment, SentNotice, UsageRecord
from notifications.models import Notification, OutboxEmail
from persistence import db
from tests.conftest import login, post_form
from tests.enrollments.conftest import (
    SIGNED_ON,
    START,
    activate,
    at,
    mainland_enterprise,
    pay_commitment,
    post_action,
    price_meters,
)

# The Azure subscriptions (GUIDs) of the R&D account.
RD_1 = "3f2c9a7e-5b1d-4e8a-9c6f-000000000001"
RD_2 = "3f2c9a7e-5b1d-4e8a-9c6f-000000000002"


@pytest.fixture
def unpaid(world):
    """Reseller A's customer's enrollment, active from 1 April 2025, its RMB 100,000 year 1
    invoice (issued 20 March, due 19 April) unpaid, with one account of two subscriptions."""
    customer = mainland_enterprise(world.customer_a)
    row = activate(services.create_enrollment(customer, START), world.admin)
    account = services.add_account(row, "Shanghai R&D", "it@yunshan.partner.omschina.cn")
    services.add_subscription(account, RD_1)
    services.add_subscription(account, RD_2)
    return row


def kinds_sent(row) -> list[tuple[date, str]]:
    notices = db.session.scalars(select(SentNotice).where(SentNotice.enrollment_id == row.id)
                                 .order_by(SentNotice.sent_on, SentNotice.id))
    return [(n.sent_on, n.kind) for n in notices]


def run_days(first: date, last: date) -> None:
    day = first
    while day <= last:
        run_daily(day)
        day += timedelta(days=1)


def statuses(row) -> list[tuple[str, date | None]]:
    return [(s.status, s.status_since) for s in usage.subscriptions_of(row)]


def test_a_welcome_letter_is_sent_when_the_enrollment_is_ready_to_use(world, unpaid):
    sent = [kind for _, kind in kinds_sent(unpaid)]
    assert sent.count("welcome_letter") == 1
    mail = db.session.scalars(select(OutboxEmail).where(
        OutboxEmail.subject.contains("Welcome"))).all()
    assert {m.to for m in mail} >= {world.reseller_a_user.email, world.admin.email}
    assert "is ready to use" in mail[0].body


def test_order_confirmation_notification_with_the_annual_order_amount(world, unpaid):
    [confirmation] = [n for n in unpaid.notices if n.kind == "order_confirmation"]
    assert confirmation.sent_on == SIGNED_ON
    assert "Annual order amount for year 1: RMB 100,000.00" in confirmation.message


def test_fail_to_make_payment_on_their_monetary_commitment_their_services_will_be_suspended(
    world, unpaid
):
    run_days(date(2025, 4, 19), date(2025, 5, 20))
    row = db.session.get(Enrollment, unpaid.id)
    assert [entry for entry in kinds_sent(row) if entry[0] >= date(2025, 4, 19)] == [
        (date(2025, 4, 20), "commitment_payment_advice"),
        (date(2025, 4, 29), "commitment_payment_reminder"),
        (date(2025, 5, 13), "commitment_payment_reminder"),
        (date(2025, 5, 20), "suspend_for_unpaid_commitment"),
    ]
    assert (row.status, row.suspension_reason) == (Status.SUSPENDED, "unpaid_commitment")
    assert statuses(row) == [("suspended", date(2025, 5, 20))] * 2


def test_a_commitment_paid_within_30_days_keeps_the_services_running(world, unpaid):
    pay_commitment(unpaid, date(2025, 4, 15), world.admin)
    run_days(date(2025, 4, 15), date(2025, 7, 1))
    row = db.session.get(Enrollment, unpaid.id)
    assert row.status == Status.ACTIVE and statuses(row) == [("active", SIGNED_ON)] * 2
    assert not [k for _, k in kinds_sent(row) if k.startswith(("commitment", "termination"))]


def test_suspension_disables_services_and_reactivation_brings_the_subscriptions_back(
    client, world, unpaid
):
    run_days(date(2025, 5, 20), date(2025, 5, 20))
    with at(date(2025, 5, 22), client, world.reseller_a_user):
        page = client.get(f"/enrollments/{unpaid.id}").get_data(as_text=True)
        assert "disabled: 2 subscriptions suspended" in page
        sub = client.get(f"/enrollments/{unpaid.id}/subscriptions/{RD_1}")
        assert 'data-testid="subscription-status">suspended<' in sub.get_data(as_text=True)
        assert "Services are disabled" in sub.get_data(as_text=True)
    pay_commitment(unpaid, date(2025, 5, 22), world.admin)
    services.change_status(unpaid, Status.ACTIVE, date(2025, 5, 23),
                           resolved_on=date(2025, 5, 22))
    assert statuses(unpaid) == [("active", date(2025, 5, 23))] * 2


def test_dunning_termination_reminder_then_agreement_and_subscription_termination_notification(
    client, world, unpaid
):
    run_days(date(2025, 5, 20), date(2025, 6, 21))
    row = db.session.get(Enrollment, unpaid.id)
    assert [e for e in kinds_sent(row) if e[0] > date(2025, 5, 20)] == [
        (date(2025, 5, 21), "termination_reminder"),
        (date(2025, 6, 20), "termination_notification"),
        (date(2025, 6, 21), "terminate"),
    ]
    assert (row.status, row.status_since) == (Status.TERMINATED, date(2025, 6, 21))
    assert statuses(row) == [("terminated", date(2025, 6, 21))] * 2
    mail = db.session.scalars(select(OutboxEmail.subject).where(
        OutboxEmail.to == world.reseller_a_user.email)).all()
    assert f"{row.number}: Agreement and subscription termination notification" in mail


def test_the_enrollment_page_shows_the_dunning_dates(client, world, unpaid):
    run_days(date(2025, 5, 20), date(2025, 5, 21))
    with at(date(2025, 5, 22), client, world.admin):
        page = client.get(f"/enrollments/{unpaid.id}").get_data(as_text=True)
    assert ("termination reminder 2025-05-21; agreement and subscription termination "
            "notification 2025-06-20; termination 2025-06-21 unless paid") in page


def test_after_termination_data_is_kept_90_days_then_deprovisioned(world, unpaid):
    run_days(date(2025, 5, 20), date(2025, 6, 21))
    run_days(date(2025, 9, 18), date(2025, 9, 19))
    row = db.session.get(Enrollment, unpaid.id)
    assert row.deprovision_marked_on == date(2025, 9, 19)  # 21 June + 90 days
    assert statuses(row) == [("deprovisioned", date(2025, 9, 19))] * 2


def test_no_usage_is_recorded_for_a_suspended_subscription(world, unpaid):
    run_days(date(2025, 5, 20), date(2025, 5, 20))
    subscription = usage.find_subscription(unpaid, RD_1)
    usage.check_subscription(unpaid, subscription, date(2025, 5, 19))  # before: it ran
    with pytest.raises(CommitmentRefused) as refused:
        usage.check_subscription(unpaid, subscription, date(2025, 5, 20))
    assert [p.code for p in refused.value.problems] == ["O8.subscription_not_active"]


@pytest.fixture
def paid(world, unpaid):
    pay_commitment(unpaid, SIGNED_ON, world.admin)
    return unpaid


def test_periodic_usage_notifications_are_the_customers_choice_daily_weekly_or_monthly(
    client, world, paid
):
    login(client, world.reseller_a_user)
    response = post_form(client, f"/enrollments/{paid.id}/usage-notifications",
                         {"usage_frequency": "monthly"}, token_url=f"/enrollments/{paid.id}")
    assert response.status_code == 302 and paid.usage_frequency == "monthly"
    paid.usage.append(UsageRecord(used_on=date(2025, 6, 3), meter="VM", quantity=Decimal(10),
                                  unit_price=Decimal("250")))
    db.session.commit()
    assert run_daily(date(2025, 6, 30)).total == 0
    sent = run_daily(date(2025, 7, 1)).sent[paid.number]
    assert [key.split(":")[1] for key in sent] == ["usage_report"]
    [report] = [n for n in paid.notices if n.kind == "usage_report"]
    assert report.message == ("Usage from 2025-06-01 to 2025-06-30: RMB 2,500.00. "
                              "Remaining year 1 commitment: RMB 97,500.00.")


def test_a_frequency_that_is_not_offered_is_refused_with_the_choices(client, world, paid):
    login(client, world.admin)
    response = post_form(client, f"/enrollments/{paid.id}/usage-notifications",
                         {"usage_frequency": "hourly"}, token_url=f"/enrollments/{paid.id}")
    assert response.status_code == 422
    assert "choose daily, weekly, monthly" in response.get_data(as_text=True)
    assert paid.usage_frequency is None


def test_usage_is_recorded_per_account_and_subscription(client, world, paid):
    price_meters(world.reseller_a.id, world.admin, {"Compute": "2"})
    with at(date(2025, 6, 2), client, world.admin):
        response = post_action(client, paid, "usage", {
            "used_on": "2025-06-01", "meter": "Compute", "quantity": "10",
            "usage_subscription": RD_2})
        assert response.status_code == 302
        page = client.get(f"/enrollments/{paid.id}").get_data(as_text=True)
    [record] = paid.usage
    assert (record.subscription.subscription_id, record.subscription.account.name) == (
        RD_2, "Shanghai R&D")
    assert f"Shanghai R&amp;D · {RD_2}" in page


def test_usage_for_a_suspended_subscription_is_refused_beside_its_field(client, world, unpaid):
    price_meters(world.reseller_a.id, world.admin, {"Compute": "2"})
    run_days(date(2025, 5, 20), date(2025, 5, 20))
    with at(date(2025, 5, 22), client, world.admin):
        response = post_action(client, unpaid, "usage", {
            "used_on": "2025-05-21", "meter": "Compute", "quantity": "10",
            "usage_subscription": RD_1})
    assert response.status_code == 422
    assert "O8.subscription_not_active" in response.get_data(as_text=True)
    assert unpaid.usage == []


# -- O8, B5: a commitment invoice paid in part is advised and shown for what is left ---------

def commitment_invoice(row):
    return next(i for i in row.invoices if i.kind == "commitment")


def test_o8_a_commitment_invoice_paid_in_part_is_advised_and_shown_for_what_is_left(
        client, world, unpaid):
    """RMB 10,000.00 paid on the RMB 106,000.00 invoice: the advice asked for the whole
    RMB 100,000.00. Left: RMB 96,000.00 with VAT, RMB 90,566.04 net of tax."""
    link = commitment_invoice(unpaid)
    record_payment(link.invoice, PaymentInput(amount="10000.00", paid_on=date(2025, 4, 15),
                                              method="wire_transfer", reference="part"),
                   date(2025, 4, 15), world.admin.id)
    run_days(date(2025, 4, 19), date(2025, 4, 20))
    owed = (f"RMB 90,566.04 of the monetary commitment invoice of 2025-03-20 (RMB 96,000.00 "
            f"with VAT on {link.number})")
    body = db.session.scalars(select(Notification.body).where(
        Notification.user_id == world.admin.id,
        Notification.subject.like("%Payment advice: monetary commitment unpaid"))).one()
    assert f"{owed} is unpaid" in body and "Amount: RMB 90,566.04 excluding tax." in body
    with at(date(2025, 4, 21), client, world.admin):
        page = client.get(f"/enrollments/{unpaid.id}").get_data(as_text=True)
    shown = page.split('data-testid="dunning">', 1)[1].split("</dd>", 1)[0]
    assert shown == (f"{owed} is unpaid: payment advice 2025-04-20; reminders 2025-04-29 and "
                     "2025-05-13; services suspended on 2025-05-20 unless paid")
