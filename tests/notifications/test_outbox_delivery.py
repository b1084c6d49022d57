"""The outbox goes out by itself: beat's task sends due mail, a failed send waits longer
each time and stops when the server refused for good, and two workers never send one
email twice."""

from __future__ import annotations

import smtplib
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

import notifications
from notifications import deliver_outbox, notify
from notifications.models import OutboxEmail
from notifications.tasks import deliver_task
from persistence import as_utc, db
from storefront.tasks import celery
from tests.notifications.test_notifications import FakeSMTP, _fake_smtp

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


def mails() -> list[OutboxEmail]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)))


class FlakySMTP(FakeSMTP):
    """A server that answers 451 (try later) to every message."""

    def send_message(self, message):
        raise smtplib.SMTPDataError(451, b"greylisted, try again later")


def test_beat_delivers_the_outbox_every_mail_deliver_seconds(app):
    entry = celery.conf.beat_schedule["notifications-deliver"]
    assert entry["task"] == "notifications.deliver"
    assert entry["schedule"] == app.config["MAIL_DELIVER_SECONDS"] == 60
    assert entry["options"]["expires"] <= entry["schedule"]  # ticks never pile up


def test_the_task_sends_a_password_reset_without_anyone_running_a_command(
        app, world, monkeypatch):
    app.config.update(MAIL_SERVER="smtp.test", MAIL_USE_TLS=False, MAIL_USERNAME="")
    notify([world.admin], "Hello", "Body")
    db.session.commit()
    fake = _fake_smtp()
    monkeypatch.setattr(smtplib, "SMTP", fake)  # the network's edge: the mail server
    assert deliver_task.apply().get() == 1
    assert [m["To"] for m in fake.instances[0].messages] == [world.admin.email]
    assert mails()[0].sent_at is not None


def test_a_temporary_refusal_is_tried_again_later_with_a_growing_wait(app, world):
    app.config.update(MAIL_SERVER="smtp.test", MAIL_USE_TLS=False, MAIL_USERNAME="")
    notify([world.admin], "Hello", "Body")
    db.session.commit()
    assert deliver_outbox(smtp_factory=FlakySMTP, now=NOW) == 0
    mail = mails()[0]
    assert (mail.attempts, as_utc(mail.due_at)) == (1, NOW + timedelta(minutes=1))
    assert "SMTPDataError" in mail.error and not mail.error.startswith("gave up")
    # Not due yet: nothing is sent, nothing counted.
    assert deliver_outbox(smtp_factory=_fake_smtp(), now=NOW + timedelta(seconds=30)) == 0
    assert FakeSMTP.instances == [] and mails()[0].attempts == 1
    assert deliver_outbox(smtp_factory=FlakySMTP, now=NOW + timedelta(minutes=1)) == 0
    assert as_utc(mails()[0].due_at) == NOW + timedelta(minutes=1) + timedelta(minutes=2)
    # Once due, a server that takes it now delivers it.
    assert deliver_outbox(smtp_factory=_fake_smtp(), now=NOW + timedelta(minutes=3)) == 1
    assert mails()[0].sent_at is not None and mails()[0].error == ""


def test_after_the_last_try_the_outbox_gives_up_and_says_so(app, world):
    app.config.update(MAIL_SERVER="smtp.test", MAIL_USE_TLS=False, MAIL_USERNAME="")
    notify([world.admin], "Hello", "Body")
    db.session.commit()
    now = NOW
    for _ in range(notifications.MAX_ATTEMPTS):
        deliver_outbox(smtp_factory=FlakySMTP, now=now)
        now += notifications.LAST_RETRY
    mail = mails()[0]
    assert mail.attempts == notifications.MAX_ATTEMPTS and mail.error.startswith("gave up")
    assert deliver_outbox(smtp_factory=_fake_smtp(), now=now + timedelta(days=1)) == 0
    assert FakeSMTP.instances == []


def test_a_mailbox_that_does_not_exist_is_not_tried_again(app, world):
    app.config.update(MAIL_SERVER="smtp.test", MAIL_USE_TLS=False, MAIL_USERNAME="")
    notify([world.admin, world.direct_user], "Hello", "Body")
    db.session.commit()
    fake = _fake_smtp()
    fake.refuse_to = {world.direct_user.email}  # 550 no such user
    assert deliver_outbox(smtp_factory=fake, now=NOW) == 1
    refused = [m for m in mails() if m.sent_at is None]
    assert [m.to for m in refused] == [world.direct_user.email]
    assert refused[0].error.startswith("gave up") and refused[0].due_at is None
    fake.refuse_to = set()
    assert deliver_outbox(smtp_factory=fake, now=NOW + timedelta(days=1)) == 0


def test_mail_that_keeps_failing_does_not_hold_up_new_mail(app, world):
    app.config.update(MAIL_SERVER="smtp.test", MAIL_USE_TLS=False, MAIL_USERNAME="")
    notify([world.admin], "Old", "Body")
    db.session.commit()
    deliver_outbox(smtp_factory=FlakySMTP, now=NOW)  # waiting for its next try
    notify([world.direct_user], "New", "Body")
    db.session.commit()
    fake = _fake_smtp()
    assert deliver_outbox(limit=1, smtp_factory=fake, now=NOW + timedelta(seconds=10)) == 1
    assert [m["Subject"] for m in fake.instances[0].messages] == ["New"]


def test_an_email_claimed_by_one_worker_is_not_sent_by_another(app, world):
    app.config.update(MAIL_SERVER="smtp.test", MAIL_USE_TLS=False, MAIL_USERNAME="")
    notify([world.admin], "Hello", "Body")
    db.session.commit()
    seen: list[int] = []

    class SecondWorkerMeanwhile(FakeSMTP):
        """While this worker sends, a second one runs the whole delivery."""

        def send_message(self, message):
            if not seen:
                seen.append(deliver_outbox(smtp_factory=_fake_smtp(), now=NOW))
            super().send_message(message)

    assert deliver_outbox(smtp_factory=SecondWorkerMeanwhile, now=NOW) == 1
    assert seen == [0]  # the second worker found the email claimed and sent nothing
    assert mails()[0].sent_at is not None and mails()[0].claimed_until is None


def test_a_worker_that_died_mid_send_leaves_its_claim_to_expire(app, world):
    app.config.update(MAIL_SERVER="smtp.test", MAIL_USE_TLS=False, MAIL_USERNAME="")
    notify([world.admin], "Hello", "Body")
    db.session.commit()
    mail = mails()[0]
    mail.claimed_until = NOW + notifications.CLAIM  # claimed by a worker since killed
    db.session.commit()
    assert deliver_outbox(smtp_factory=_fake_smtp(), now=NOW + timedelta(minutes=1)) == 0
    assert deliver_outbox(smtp_factory=_fake_smtp(), now=NOW + notifications.CLAIM) == 1
