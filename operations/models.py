"""What the system status page reads: each Celery task's last run per worker (beat's
periodic tasks included, and the heartbeat task every worker runs each minute) and the
latest Partner Center and Graph errors.

Why rows rather than `celery inspect ping`: the embedded broker (kombu's SQLAlchemy
transport on SQLite) has no broadcast, so a ping never reaches a worker there; a row each
task writes when it finishes works on every broker and survives the web process.
"""

from __future__ import annotations

from persistence import db, utcnow


class TaskRun(db.Model):
    """The newest run of one task on one worker."""

    __tablename__ = "task_runs"

    task = db.Column(db.String(100), primary_key=True)
    hostname = db.Column(db.String(200), primary_key=True)
    last_started_at = db.Column(db.DateTime(timezone=True))
    last_finished_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    last_state = db.Column(db.String(20), nullable=False)  # SUCCESS, FAILURE, RETRY
    last_error = db.Column(db.String(300), nullable=False, default="")
    runs = db.Column(db.Integer, nullable=False, default=0)


class UpstreamError(db.Model):
    """A Partner Center or Graph answer that was not what the call expected (or none)."""

    __tablename__ = "upstream_errors"

    id = db.Column(db.Integer, primary_key=True)
    at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow, index=True)
    upstream = db.Column(db.String(20), nullable=False)
    operation = db.Column(db.String(200), nullable=False)
    status = db.Column(db.String(20), nullable=False)
    request_id = db.Column(db.String(100), nullable=False, default="")  # MS-RequestId
    order_id = db.Column(db.Integer)
