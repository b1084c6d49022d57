"""R2: renewal reminders 60, 30 and 7 days before a term ends (the admin's setting), each
sent once, in-app and by email with an absolute link, saying what renews, when and at what
price; the renewals calendar and its CSV. Frozen time throughout."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from accounts.models import Role
from accounts.preferences import set_time_zone
from accounts.services import new_user
from notifications.models import Notification, OutboxEmail
from persistence import db
from subscriptions import reminders
from subscriptions.models import RenewalReminder
from tests.api.factories import make_subscription
from tests.conftest import PASSWORD, csrf_token, login, served

START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
TERM_END = START + timedelta(days=70)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def renewing(clock, world):
    """Reseller A's customer's subscription, active with autorenew, ending in 70 days."""
    sub = make_subscription(world.customer_a, world.price)
    sub.status, sub.autorenew, sub.term_end, sub.quantity = "active", True, TERM_END, 4
    db.session.commit()
    return sub


def _run(clock, days_before: float) -> int:
    clock.move_to(TERM_END - timedelta(days=days_before))
    return reminders.run_daily()


def test_r2_reminders_go_out_60_30_and_7_days_before_the_term_ends_once_each(
        clock, renewing, world):
    assert _run(clock, 61) == 0
    assert [_run(clock, d) for d in (60, 59.5, 45, 30, 29, 7, 6, 1)] == [1, 0, 0, 1, 0, 1,
                                                                         0, 0]
    sent = db.session.scalars(select(RenewalReminder.days_before)).all()
    assert sorted(sent) == [7, 30, 60]
    notes = db.session.scalars(select(Notification).filter_by(
        user_id=world.reseller_a_user.id)).all()
    assert len(notes) == 3 and notes[0].link == f"/subscriptions/{renewing.id}"
    # What renews, when and at what price: 4 licenses at the reseller's price of the plan.
    assert "renews on 2025-05-12 for 4 licenses, 1 month, billed monthly at" in notes[0].body
    mail = db.session.scalars(select(OutboxEmail).filter_by(
        to=world.reseller_a_user.email)).first()
    assert mail.body.endswith(f"https://storefront.example/subscriptions/{renewing.id}")


def test_r2_a_missed_day_sends_only_the_nearest_reminder(clock, renewing):
    assert _run(clock, 6) == 1  # not the 60- and 30-day ones as well
    assert db.session.scalars(select(RenewalReminder.days_before)).all() == [7]


def test_r2_the_reminder_names_the_scheduled_change_and_says_so(clock, renewing):
    renewing.next_term = {"quantity": 9, "term_duration": "P1M", "billing_cycle": "monthly"}
    db.session.commit()
    subject, text = reminders.message(renewing)
    assert subject.endswith("renews on 2025-05-12")
    assert "9 licenses, 1 month, billed monthly (the change you scheduled)" in text


def test_r2_with_autorenew_off_the_reminder_says_it_ends_and_what_follows(clock, renewing):
    renewing.autorenew = False
    subject, text = reminders.message(renewing)
    assert subject.endswith("ends on 2025-05-12") and "expired" in text


def test_r2_the_admin_sets_the_days_and_a_bad_value_is_refused_naming_the_field(
        clock, renewing, client, world):
    login(client, world.admin)
    token = csrf_token(client, "/renewals")
    refused = client.post("/renewals/settings", data={"csrf_token": token,
                                                      "reminder_days": "60, soon"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Reminder days: give whole days" in page
    assert 'value="60, soon"' in page  # what was typed is kept
    assert client.post("/renewals/settings", data={"csrf_token": token,
                                                   "reminder_days": "14"}).status_code == 302
    assert _run(clock, 30) == 0 and _run(clock, 14) == 1


def test_r2_the_calendar_lists_a_resellers_own_renewals_with_a_csv_export(
        clock, renewing, client, world):
    login(client, world.reseller_a_user)
    page = served(client, "/renewals").get_data(as_text=True)
    assert renewing.title in page and "4 licenses, 1 month, billed monthly" in page
    csv = served(client, "/renewals?format=csv")
    assert csv.headers["Content-Type"].startswith("text/csv")
    header, row = csv.get_data(as_text=True).splitlines()[:2]
    assert header.startswith("last_day,customer,reseller,subscription")
    assert row.startswith("2025-05-12,Alpha GmbH,Reseller A,") and ",renews," in row
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, world.reseller_b_user)
    assert renewing.title not in served(client, "/renewals?format=csv").get_data(as_text=True)


TERM_OVER = datetime(2027, 3, 14, tzinfo=UTC)  # last day 13 March, as Microsoft dates it


@pytest.fixture
def ends_13_march(world):
    """Reseller A's subscription whose last day is 2027-03-13 (00:00 UTC on the 14th its
    next term begins: 19:00 on the 13th in New York, 01:00 on the 14th in Berlin), one of
    its users in New York, a colleague in Berlin."""
    sub = make_subscription(world.customer_a, world.price)
    sub.status, sub.autorenew, sub.term_end = "active", True, TERM_OVER
    set_time_zone(world.reseller_a_user, "America/New_York")
    colleague = new_user("a2@test.example", PASSWORD, Role.RESELLER_USER,
                         reseller=world.reseller_a)
    colleague.time_zone = "Europe/Berlin"
    db.session.add(colleague)
    db.session.commit()
    return sub


def _mail_to(address: str) -> OutboxEmail:
    return db.session.scalars(select(OutboxEmail).filter_by(to=address)).one()


def test_r2_the_reminder_names_microsofts_days_in_every_recipients_zone(
        ends_13_march, client, world):
    """Partner Center dates a term by UTC days: every reader, west or east of Greenwich,
    reads the days Partner Center and the subscription page show (a Berlin reader was
    told the day after the last)."""
    with time_machine.travel(datetime(2027, 1, 14, 12, tzinfo=UTC), tick=False):
        assert reminders.run_daily() == 1
    for address in (world.reseller_a_user.email, "a2@test.example"):
        mail = _mail_to(address)
        assert mail.subject.endswith("renews on 2027-03-14")
        assert "renews on 2027-03-14 for" in mail.body and "2027-03-13 " not in mail.body
    for user in (world.reseller_a_user, "a2@test.example"):
        login(client, user)
        page = client.get(f"/subscriptions/{ends_13_march.id}").get_data(as_text=True)
        assert 'id="term-end">2027-03-13</dd>' in page and "2027-03-14" not in page
        client.post("/logout", data={"csrf_token": csrf_token(client, "/")})


def test_r2_the_renewals_csv_gives_microsofts_last_day_whatever_the_viewers_zone(
        ends_13_march, client, world):
    with time_machine.travel(datetime(2027, 1, 14, 12, tzinfo=UTC), tick=False):
        for user in (world.reseller_a_user, "a2@test.example"):
            login(client, user)
            csv = served(client, "/renewals?format=csv").get_data(as_text=True)
            header, row = csv.splitlines()[:2]
            assert header.startswith("last_day,customer,")
            assert row.startswith("2027-03-13,Alpha GmbH,")
            client.post("/logout", data={"csrf_token": csrf_token(client, "/")})


def test_r2_a_term_end_moved_a_day_by_the_sync_is_not_reminded_again(clock, renewing):
    """Rows stored before the inclusive commitmentEndDate was read (a day early) are moved a
    day on by their next sync (subscriptions/sync.py): the same term, reminded once."""
    assert _run(clock, 30) == 1
    renewing.term_end = TERM_END + timedelta(days=1)
    db.session.commit()
    clock.move_to(TERM_END - timedelta(days=29))
    assert reminders.run_daily() == 0
    assert db.session.scalars(select(RenewalReminder.days_before)).all() == [30]
