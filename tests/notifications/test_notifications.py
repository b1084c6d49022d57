"""Notifications: in-app rows per user, the email outbox, SMTP delivery at the boundary."""

from __future__ import annotations

import smtplib

from sqlalchemy import func, select

from notifications import deliver_outbox, notify, unread_count
from notifications.models import Notification, OutboxEmail
from persistence import db
from tests.conftest import login, post_form


class FakeSMTP:
    """An SMTP server double: records what a real smtplib.SMTP would have been asked."""

    instances: list[FakeSMTP] = []
    refuse_to: set[str] = set()

    def __init__(self, host, port, timeout=None):
        self.host, self.port, self.timeout = host, port, timeout
        self.calls, self.messages = [], []
        FakeSMTP.instances.append(self)

    def starttls(self):
        self.calls.append("starttls")

    def login(self, user, password):
        self.calls.append(("login", user, password))

    def send_message(self, message):
        if message["To"] in FakeSMTP.refuse_to:
            raise smtplib.SMTPRecipientsRefused({message["To"]: (550, b"no such user")})
        self.messages.append(message)

    def quit(self):
        self.calls.append("quit")


def _fake_smtp():
    FakeSMTP.instances, FakeSMTP.refuse_to = [], set()
    return FakeSMTP


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_notify_adds_one_notification_and_one_email_per_user_and_leaves_the_commit_to_the_caller(
    app, world
):
    notify([world.admin, world.direct_user, world.admin], "Hello", "Body", "/enrollments/1")
    db.session.rollback()
    assert count(Notification) == 0 and count(OutboxEmail) == 0
    notify([world.admin, world.direct_user, world.admin], "Hello", "Body", "/enrollments/1")
    db.session.commit()
    assert count(Notification) == 2 and count(OutboxEmail) == 2
    mail = db.session.scalars(select(OutboxEmail).where(OutboxEmail.to == world.admin.email)).one()
    assert mail.body.endswith("/enrollments/1") and mail.sent_at is None


def test_notify_without_email_writes_no_outbox_row(app, world):
    notify([world.admin], "In-app only", "Body", email=False)
    db.session.commit()
    assert count(Notification) == 1 and count(OutboxEmail) == 0


def test_without_a_mail_server_mail_stays_in_the_outbox(app, world):
    notify([world.admin], "Hello", "Body")
    db.session.commit()
    fake = _fake_smtp()
    assert deliver_outbox(smtp_factory=fake) == 0
    assert fake.instances == [] and count(OutboxEmail, OutboxEmail.sent_at.is_(None)) == 1


def test_deliver_outbox_sends_through_smtp_with_tls_login_and_a_timeout(app, world):
    app.config.update(MAIL_SERVER="smtp.test", MAIL_PORT=2525, MAIL_USERNAME="u",
                      MAIL_PASSWORD="p", MAIL_USE_TLS=True, MAIL_FROM="noreply@provider.test")
    notify([world.admin, world.direct_user], "Usage at 50%", "Half the commitment is used.")
    db.session.commit()
    fake = _fake_smtp()
    assert deliver_outbox(smtp_factory=fake) == 2
    smtp = fake.instances[0]
    assert (smtp.host, smtp.port) == ("smtp.test", 2525) and smtp.timeout > 0
    assert smtp.calls == ["starttls", ("login", "u", "p"), "quit"]
    assert {m["To"] for m in smtp.messages} == {world.admin.email, world.direct_user.email}
    assert smtp.messages[0]["From"] == "noreply@provider.test"
    assert count(OutboxEmail, OutboxEmail.sent_at.is_(None)) == 0
    assert deliver_outbox(smtp_factory=fake) == 0  # nothing is sent twice


def test_a_refused_recipient_keeps_its_email_unsent_with_the_error(app, world):
    app.config.update(MAIL_SERVER="smtp.test", MAIL_USE_TLS=False, MAIL_USERNAME="")
    notify([world.admin, world.direct_user], "Subject", "Body")
    db.session.commit()
    fake = _fake_smtp()
    fake.refuse_to = {world.direct_user.email}
    assert deliver_outbox(smtp_factory=fake) == 1
    failed = db.session.scalars(select(OutboxEmail).where(OutboxEmail.sent_at.is_(None))).one()
    assert failed.to == world.direct_user.email and "SMTPRecipientsRefused" in failed.error


def test_an_unreachable_mail_server_leaves_every_email_queued_with_the_reason(app, world):
    app.config.update(MAIL_SERVER="smtp.test")
    notify([world.admin], "Subject", "Body")
    db.session.commit()

    def unreachable(host, port, timeout=None):
        raise ConnectionRefusedError("connection refused")

    assert deliver_outbox(smtp_factory=unreachable) == 0
    mail = db.session.scalars(select(OutboxEmail)).one()
    assert mail.sent_at is None and "connection failed" in mail.error


def test_the_header_shows_the_unread_count_and_the_page_lists_newest_first(client, world):
    notify([world.reseller_a_user], "First notice", "one")
    notify([world.reseller_a_user], "Second notice", "two")
    notify([world.admin], "Not for the reseller", "x")
    db.session.commit()
    login(client, world.reseller_a_user)
    body = client.get("/notifications").get_data(as_text=True)
    assert 'class="badge count">2<' in body
    assert body.index("Second notice") < body.index("First notice")
    assert "Not for the reseller" not in body


def test_marking_read_and_mark_all_read_clear_the_unread_count(client, world):
    notify([world.reseller_a_user], "One", "1")
    notify([world.reseller_a_user], "Two", "2")
    db.session.commit()
    first = db.session.scalars(select(Notification).order_by(Notification.id)).first()
    login(client, world.reseller_a_user)
    assert post_form(client, f"/notifications/{first.id}/read", {},
                     token_url="/notifications").status_code == 302
    assert unread_count(world.reseller_a_user) == 1
    post_form(client, "/notifications/read-all", {}, token_url="/notifications")
    assert unread_count(world.reseller_a_user) == 0


def test_someone_elses_notification_cannot_be_marked_read(client, world):
    notify([world.admin], "Admin only", "x")
    db.session.commit()
    theirs = db.session.scalars(select(Notification)).one()
    login(client, world.reseller_a_user)
    response = post_form(client, f"/notifications/{theirs.id}/read", {},
                         token_url="/notifications")
    assert response.status_code == 404 and unread_count(world.admin) == 1


def test_the_provider_admin_sees_the_outbox_and_a_reseller_does_not(client, world):
    notify([world.direct_user], "Renewal reminder", "Sign a renewal")
    db.session.commit()
    login(client, world.admin)
    body = client.get("/admin/outbox").get_data(as_text=True)
    assert "Renewal reminder" in body and world.direct_user.email in body and "waiting" in body


def test_a_reseller_cannot_open_the_outbox(client, world):
    login(client, world.reseller_a_user)
    assert client.get("/admin/outbox").status_code == 403
