"""In-app notifications and the outgoing email outbox (one row per message to send)."""

from __future__ import annotations

from persistence import db, utcnow


class Notification(db.Model):
    """A message shown to one user on /notifications until read."""

    __tablename__ = "notifications"

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, index=True)
    subject = db.Column(db.String(200), nullable=False)
    body = db.Column(db.Text, nullable=False, default="")
    link = db.Column(db.String(500))
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    read_at = db.Column(db.DateTime(timezone=True))

    user = db.relationship("User")


class OutboxEmail(db.Model):
    """An email waiting for deliver_outbox; sent_at is set once the SMTP server took it.
    `body` never holds a link's secret in clear: sealed while waiting, redacted once sent
    (notifications/secret_links.py). A delivery claims the row until `claimed_until`, so
    two workers never send it at once; a failed send is tried again from `due_at`, and
    after MAX_ATTEMPTS (or a refusal no retry changes) not at all."""

    __tablename__ = "outbox_emails"

    id = db.Column(db.Integer, primary_key=True)
    to = db.Column(db.String(254), nullable=False)
    subject = db.Column(db.String(200), nullable=False)
    body = db.Column(db.Text, nullable=False, default="")
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    sent_at = db.Column(db.DateTime(timezone=True), index=True)
    error = db.Column(db.Text, nullable=False, default="")
    attempts = db.Column(db.Integer, nullable=False, default=0, server_default="0")
    due_at = db.Column(db.DateTime(timezone=True))
    claimed_until = db.Column(db.DateTime(timezone=True))
