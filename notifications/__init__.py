"""Notifications: an in-app message per user and, optionally, an email through the outbox.

notify() only adds rows so the caller's unit of work commits them with everything else (a
notice is recorded as sent exactly when its messages are). deliver_outbox() sends unsent mail
through SMTP when MAIL_SERVER is configured; in development mail stays on /admin/outbox.
A link carrying a secret token is stored sealed and removed once the mail server has taken
the email (notifications/secret_links.py), so a developer without a mail server reads such
links on the console (MAIL_CONSOLE, development only). purge() keeps sent mail 30 days.
"""

from __future__ import annotations

import smtplib
import sys
from collections.abc import Callable, Iterable
from contextlib import suppress
from datetime import datetime, timedelta
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import and_, bindparam, delete, func, or_, select, update

from notifications import secret_links
from notifications.links import public_url
from notifications.models import Notification, OutboxEmail, utcnow
from persistence import db

SMTP_TIMEOUT_SECONDS = 10.0
SUBJECT_MAX = 200
# Sent mail is kept this long to answer "did the customer get it?", then deleted; mail the
# server never took is deleted after as long (any link in it died days before).
RETENTION = timedelta(days=30)
# A failed send is tried again after 1, 2, 4 … minutes, at most 6 hours apart, 12 times in
# all (about a day): long enough to ride out a mail server's outage.
MAX_ATTEMPTS = 12
FIRST_RETRY = timedelta(minutes=1)
LAST_RETRY = timedelta(hours=6)
# How long a worker holds the emails it is sending: above a whole batch's SMTP timeouts
# (DELIVER_BATCH emails of SMTP_TIMEOUT_SECONDS each).
CLAIM = timedelta(minutes=15)
DELIVER_BATCH = 50


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
            _queue(user.email, subject, text)


def email(to: str, subject: str, body: str) -> None:
    """Add an outbox email to an address that may belong to no user (a sign-up waiting for
    its confirmation); the caller commits."""
    _queue(to, subject[:SUBJECT_MAX], body)


def _queue(to: str, subject: str, body: str) -> None:
    """Store the email with its secret links sealed; in development also print it whole."""
    config = current_app.config
    if config.get("MAIL_CONSOLE"):
        # Development only (config.settings refuses it in production): the one place a
        # developer without a mail server can read a reset or invitation link.
        sys.stderr.write(f"--- email to {to}: {subject}\n{body}\n--- end of email\n")
    db.session.add(OutboxEmail(to=to, subject=subject,
                               body=secret_links.sealed(body, config["SECRET_KEY"])))


def readable_body(email: OutboxEmail) -> str:
    """The body the mail server is handed: secret links opened (secret_links.Unreadable if
    one cannot be)."""
    return secret_links.opened(email.body, current_app.config["SECRET_KEY"])


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
    message.set_content(readable_body(email))
    return message


def _open(smtp_factory: Callable[..., smtplib.SMTP], config) -> smtplib.SMTP:
    """Connect with a timeout (a hung mail server must not hang the worker), TLS, login."""
    smtp = smtp_factory(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=SMTP_TIMEOUT_SECONDS)
    if config.get("MAIL_USE_TLS"):
        smtp.starttls()
    if config.get("MAIL_USERNAME"):
        smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
    return smtp


def _send_all(smtp: smtplib.SMTP, claimed: list[OutboxEmail], sender: str,
              now: datetime) -> int:
    sent = 0
    for email in claimed:
        try:
            smtp.send_message(_message(email, sender))
        except secret_links.Unreadable as error:
            _failed(email, f"not sent: {error}", now, final=True)
        except (OSError, smtplib.SMTPException) as error:
            _failed(email, f"{type(error).__name__}: {error}", now, final=_permanent(error))
        else:
            # Taken by the server: the secret's only copy now is the recipient's.
            email.sent_at, email.error, email.claimed_until = utcnow(), "", None
            email.body = secret_links.redacted(email.body)
            sent += 1
        # One commit per email: a worker killed mid-batch sends again only the email it
        # was sending, not every one the server had already taken.
        db.session.commit()
    return sent


def _failed(email: OutboxEmail, reason: str, now: datetime, final: bool = False) -> None:
    """Record a failed send; try again later with a growing wait, or never when the server
    refused for good or the tries are used up."""
    email.attempts = MAX_ATTEMPTS if final else email.attempts + 1
    email.claimed_until = None
    if email.attempts >= MAX_ATTEMPTS:
        email.error, email.due_at = f"gave up: {reason}", None
    else:
        email.error = reason
        email.due_at = now + min(FIRST_RETRY * 2 ** (email.attempts - 1), LAST_RETRY)


def _permanent(error: Exception) -> bool:
    """A 5xx refusal (no such mailbox, message rejected) fails every retry alike; a 4xx or a
    dropped connection may pass later."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    code = getattr(error, "smtp_code", None)
    return isinstance(code, int) and code >= 500 and not isinstance(
        error, smtplib.SMTPServerDisconnected)


def deliver_outbox(
    limit: int = 100, smtp_factory: Callable[..., smtplib.SMTP] | None = None,
    now: datetime | None = None,
) -> int:
    """Send up to `limit` due emails, oldest first; returns how many the server accepted.
    Celery beat runs it every MAIL_DELIVER_SECONDS (notifications/tasks.py); workers
    running it at once split the mail between them, as each claims its rows first."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        return 0
    now = now or utcnow()
    claimed = _claim(now, limit)
    if not claimed:
        return 0
    try:
        smtp = _open(smtp_factory or smtplib.SMTP, config)  # looked up now, not at import
    except (OSError, smtplib.SMTPException) as error:
        for email in claimed:
            _failed(email, f"connection failed: {type(error).__name__}: {error}", now)
        db.session.commit()
        return 0
    try:
        return _send_all(smtp, claimed, config["MAIL_FROM"], now)
    finally:
        with suppress(OSError, smtplib.SMTPException):  # the mail is already accepted
            smtp.quit()


def _claim(now: datetime, limit: int) -> list[OutboxEmail]:
    """The due emails this worker may send: each taken by a conditional UPDATE that only
    one worker can win (on PostgreSQL and SQLite alike), for CLAIM at most, so a worker
    that dies mid-send leaves its emails to the next run."""
    ids = db.session.scalars(select(OutboxEmail.id).where(_due(now))
                             .order_by(OutboxEmail.id).limit(limit)).all()
    won = [email_id for email_id in ids if db.session.execute(
        update(OutboxEmail).where(OutboxEmail.id == email_id, _due(now))
        .values(claimed_until=now + CLAIM)
        # The commit below expires what the session holds; no evaluation in Python
        # (stored times read back naive on SQLite).
        .execution_options(synchronize_session=False)).rowcount == 1]
    db.session.commit()
    if not won:
        return []
    return list(db.session.scalars(select(OutboxEmail).where(OutboxEmail.id.in_(won))
                                   .order_by(OutboxEmail.id)))


def _due(now: datetime):
    return and_(OutboxEmail.sent_at.is_(None), OutboxEmail.attempts < MAX_ATTEMPTS,
                or_(OutboxEmail.due_at.is_(None), OutboxEmail.due_at <= now),
                or_(OutboxEmail.claimed_until.is_(None), OutboxEmail.claimed_until <= now))


def purge(now: datetime) -> int:
    """Delete sent mail older than RETENTION and mail never sent for as long, and take any
    secret still in clear out of the rest (rows written before links were sealed); returns
    how many rows went. The caller commits."""
    cutoff = now - RETENTION
    removed = db.session.execute(delete(OutboxEmail).where(or_(
        OutboxEmail.sent_at <= cutoff,
        and_(OutboxEmail.sent_at.is_(None), OutboxEmail.created_at <= cutoff)))).rowcount
    _seal_or_redact(current_app.config["SECRET_KEY"])
    return removed


def _seal_or_redact(secret_key: str) -> None:
    """A sent row keeps its tokens redacted, a waiting one sealed; both steps are no-ops on
    a row already protected."""
    for email in db.session.scalars(select(OutboxEmail).where(
            OutboxEmail.body.contains("token="))):
        body = secret_links.redacted(email.body) if email.sent_at is not None \
            else secret_links.sealed(email.body, secret_key)
        if body != email.body:
            email.body = body
