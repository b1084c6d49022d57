"""Notifications: an in-app message per user and, optionally, an email through the outbox.

notify() only adds rows so the caller's unit of work commits them with everything else (a
notice is recorded as sent exactly when its messages are). deliver_outbox() sends unsent mail
through SMTP when MAIL_SERVER is configured; in development mail stays on /admin/outbox.
"""

from __future__ import annotations

import smtplib
from collections.abc import Callable, Iterable
from contextlib import suppress
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import bindparam, func, select, update

from notifications.links import public_url
from notifications.models import Notification, OutboxEmail, utcnow
from persistence import db

SMTP_TIMEOUT_SECONDS = 10.0
SUBJECT_MAX = 200


def notify(
    users: Iterable, subject: str, body: str, link: str | None = None, *, email: bool = True
) -> None:
    """Add a notification (and an outbox email) per distinct user; the caller commits.
    `link` may be a path of the site: the email carries it absolute (notifications.links)."""
    subject = subject[:SUBJECT_MAX]
    seen: set[int] = set()
    for user in users:
        if user.id in seen:
            continue
        seen.add(user.id)
        db.session.add(Notification(user_id=user.id, subject=subject, body=body, link=link))
        if email and user.email:
            text = f"{body}\n\n{public_url(link)}" if link else body
            db.session.add(OutboxEmail(to=user.email, subject=subject, body=text))


def email(to: str, subject: str, body: str) -> None:
    """Add an outbox email to an address that may belong to no user (a sign-up waiting for
    its confirmation); the caller commits."""
    db.session.add(OutboxEmail(to=to, subject=subject[:SUBJECT_MAX], body=body))


# Built once: every page asks, and a statement built per call is hashed again each time.
UNREAD = select(func.count()).where(Notification.user_id == bindparam("user_id"),
                                    Notification.read_at.is_(None))


def unread_count(user) -> int:
    """How many of the user's notifications are still unread (for the header badge)."""
    # On the session's connection, past the ORM: one integer, asked by every page.
    return db.session.connection().execute(UNREAD, {"user_id": user.id}).scalar() or 0


def mark_read(notification: Notification) -> None:
    """Mark one notification read; the first reading time is kept."""
    notification.read_at = notification.read_at or utcnow()
    db.session.commit()


def mark_all_read(user_id: int) -> None:
    """Mark every unread notification of a user read, in one statement."""
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    db.session.commit()


def _message(email: OutboxEmail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, email.to, email.subject
    message.set_content(email.body)
    return message


def _open(smtp_factory: Callable[..., smtplib.SMTP], config) -> smtplib.SMTP:
    """Connect with a timeout (a hung mail server must not hang the worker), TLS, login."""
    smtp = smtp_factory(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=SMTP_TIMEOUT_SECONDS)
    if config.get("MAIL_USE_TLS"):
        smtp.starttls()
    if config.get("MAIL_USERNAME"):
        smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
    return smtp


def _send_all(smtp: smtplib.SMTP, pending: list[OutboxEmail], sender: str) -> int:
    sent = 0
    for email in pending:
        try:
            smtp.send_message(_message(email, sender))
        except (OSError, smtplib.SMTPException) as error:
            email.error = f"{type(error).__name__}: {error}"
            continue
        email.sent_at, email.error = utcnow(), ""
        sent += 1
    return sent


def deliver_outbox(
    limit: int = 100, smtp_factory: Callable[..., smtplib.SMTP] = smtplib.SMTP
) -> int:
    """Send up to `limit` unsent emails, oldest first; returns how many the server accepted."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        return 0
    query = select(OutboxEmail).where(OutboxEmail.sent_at.is_(None))
    pending = list(db.session.scalars(query.order_by(OutboxEmail.id).limit(limit)))
    if not pending:
        return 0
    try:
        smtp = _open(smtp_factory, config)
    except (OSError, smtplib.SMTPException) as error:
        for email in pending:
            email.error = f"connection failed: {type(error).__name__}: {error}"
        db.session.commit()
        return 0
    try:
        sent = _send_all(smtp, pending, config["MAIL_FROM"])
    finally:
        with suppress(OSError, smtplib.SMTPException):  # the mail is already accepted
            smtp.quit()
    db.session.commit()
    return sent
