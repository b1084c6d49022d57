"""A reset or invitation link never rests in clear in the outbox: sealed while the email
waits, removed once the mail server took it, hidden on /admin/outbox, purged with the sent
mail after 30 days; only a developer's console prints it (MAIL_CONSOLE)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

import notifications
from config.errors import ConfigError
from config.settings import (
    DevelopmentConfig,
    ProductionConfig,
    TestingConfig,
    validate,
)
from notifications import deliver_outbox, readable_body
from notifications.models import OutboxEmail
from notifications.tasks import purge_task
from persistence import db
from tests.conftest import login, post_form
from tests.notifications.test_notifications import _fake_smtp
from tests.security.test_password_reset_and_profile import ask_reset as ask

RESET_LINK = re.compile(r"https://storefront\.example(/password/reset\?token=([\w-]+))")
NEW = "a fresh long passphrase"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def ask_reset(client, user) -> OutboxEmail:
    ask(client, user.email)  # and the worker's part
    return db.session.scalars(select(OutboxEmail).where(OutboxEmail.to == user.email)).one()


def secret_in(text: str) -> tuple[str, str]:
    """The link's path and its secret, as the recipient reads them."""
    match = RESET_LINK.search(text)
    assert match, text
    return match[1], match[2]


def test_a_waiting_reset_email_holds_its_link_sealed_not_in_clear(client, world):
    mail = ask_reset(client, world.reseller_b_user)
    link, secret = secret_in(readable_body(mail))
    assert secret not in mail.body and "/password/reset?token=[sealed:" in mail.body
    assert client.get(link).status_code == 200  # what the mail server gets still works


def test_the_admin_outbox_shows_no_link_that_opens_an_account(client, browser, world):
    mail = ask_reset(browser(), world.reseller_b_user)
    _link, secret = secret_in(readable_body(mail))
    login(client, world.admin)
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "Reset your password" in page and "/password/reset?token=[redacted]" in page
    assert secret not in page and "sealed" not in page and not RESET_LINK.search(page)


def test_a_link_stored_in_clear_before_the_fix_is_hidden_on_the_outbox_too(client, world):
    secret = "c" * 43
    db.session.add(OutboxEmail(to="old@test.example", subject="Old reset",
                               body=f"https://storefront.example/password/reset?token={secret}"))
    db.session.commit()
    login(client, world.admin)
    assert secret not in client.get("/admin/outbox").get_data(as_text=True)


def test_the_mail_server_gets_the_working_link_and_the_row_keeps_none(app, client, world):
    app.config.update(MAIL_SERVER="smtp.test", MAIL_USE_TLS=False, MAIL_USERNAME="")
    user = world.reseller_b_user
    mail = ask_reset(client, user)
    fake = _fake_smtp()
    assert deliver_outbox(smtp_factory=fake) == 1
    link, secret = secret_in(fake.instances[0].messages[0].get_content())
    db.session.refresh(mail)
    assert mail.sent_at is not None and secret not in mail.body and "sealed" not in mail.body
    assert "/password/reset?token=[redacted]" in mail.body
    assert post_form(client, link, {"password": NEW, "confirm": NEW}).status_code == 302
    assert login(client, user, NEW).status_code == 302


def test_a_link_sealed_under_another_secret_key_is_not_sent_and_says_why(app, client, world):
    mail = ask_reset(client, world.reseller_b_user)
    app.config.update(MAIL_SERVER="smtp.test", MAIL_USE_TLS=False, MAIL_USERNAME="",
                      SECRET_KEY="a-rotated-secret-key")
    fake = _fake_smtp()
    assert deliver_outbox(smtp_factory=fake) == 0
    db.session.refresh(mail)
    assert fake.instances[0].messages == [] and mail.sent_at is None
    assert "not sent" in mail.error and "SECRET_KEY" in mail.error


def outbox_row(subject: str, created: datetime, sent: datetime | None, body: str = "x"):
    db.session.add(OutboxEmail(to="a@test.example", subject=subject, body=body,
                               created_at=created, sent_at=sent))


def subjects() -> set[str]:
    return set(db.session.scalars(select(OutboxEmail.subject)))


def test_the_purge_deletes_mail_sent_or_stuck_for_30_days_and_keeps_the_rest(app, world):
    month, day = timedelta(days=30), timedelta(days=1)
    outbox_row("sent long ago", NOW - month - day, NOW - month)
    outbox_row("sent lately", NOW - month, NOW - month + day)
    outbox_row("stuck for a month", NOW - month, None)
    outbox_row("waiting", NOW - month + day, None)
    db.session.commit()
    assert notifications.purge(NOW) == 2
    db.session.commit()
    assert subjects() == {"sent lately", "waiting"}


def test_the_purge_redacts_a_sent_secret_and_seals_a_waiting_one_left_in_clear(app, world):
    secret = "d" * 43
    body = f"https://storefront.example/team/join?token={secret}"
    now = datetime.now(UTC)  # the task purges by the clock
    outbox_row("sent", now - timedelta(days=2), now - timedelta(days=2), body)
    outbox_row("waiting", now, None, body)
    db.session.commit()
    purge_task.apply().get()  # the daily job, as beat runs it
    sent, waiting = (db.session.scalars(select(OutboxEmail).where(
        OutboxEmail.subject == subject)).one() for subject in ("sent", "waiting"))
    assert secret not in sent.body and sent.body.endswith("?token=[redacted]")
    assert secret not in waiting.body and readable_body(waiting) == body


def test_the_developer_console_prints_the_link_only_when_mail_console_is_on(
        app, client, world, capsys):
    ask_reset(client, world.reseller_a_user)
    assert "/password/reset?token=" not in capsys.readouterr().err
    app.config["MAIL_CONSOLE"] = True
    mail = ask_reset(client, world.reseller_b_user)
    _link, secret = secret_in(capsys.readouterr().err)
    assert secret in readable_body(mail) and secret not in mail.body


def test_the_console_is_on_in_development_and_refused_in_production():
    settings = {name: getattr(TestingConfig, name) for name in dir(TestingConfig)
                if name.isupper()}
    assert DevelopmentConfig.MAIL_CONSOLE and not ProductionConfig.MAIL_CONSOLE
    with pytest.raises(ConfigError, match="MAIL_CONSOLE is on in production.*MAIL_SERVER"):
        validate(settings | {"ENV_NAME": ProductionConfig.ENV_NAME, "MAIL_CONSOLE": True})
    validate(settings | {"ENV_NAME": ProductionConfig.ENV_NAME, "MAIL_CONSOLE": False})

