"""Pages: each user's notifications (mark read) and the provider's email outbox."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

import notifications
from accounts.models import Role
from notifications.models import Notification, OutboxEmail
from notifications.secret_links import redacted
from persistence import db
from storefront.pagination import paginate
from storefront.security import acting_user, roles_required

bp = Blueprint("notifications", __name__)


@bp.app_context_processor
def header_counts() -> dict:
    """The unread count for the header badge of every page."""
    user = acting_user()
    if not user.is_authenticated:
        return {"unread_notifications": 0}
    return {"unread_notifications": notifications.unread_count(user)}


@bp.route("/notifications")
@login_required
def index():
    query = select(Notification).where(Notification.user_id == current_user.id)
    page = paginate(query.order_by(Notification.created_at.desc(), Notification.id.desc()))
    return render_template("notifications/index.html", page=page)


@bp.route("/notifications/<int:notification_id>/read", methods=["POST"])
@login_required
def mark_read(notification_id: int):
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != current_user.id:
        abort(404)  # someone else's notification does not exist for this user
    notifications.mark_read(notification)
    return redirect(url_for("notifications.index"))


@bp.route("/notifications/read-all", methods=["POST"])
@login_required
def mark_all_read():
    notifications.mark_all_read(current_user.id)
    return redirect(url_for("notifications.index"))


@bp.route("/admin/outbox")
@roles_required(Role.PROVIDER_ADMIN)
def outbox():
    """Every email, newest first; a link carrying a token shows redacted, sealed or not:
    the outbox is no way into someone else's account."""
    page = paginate(select(OutboxEmail).order_by(OutboxEmail.id.desc()))
    return render_template("notifications/outbox.html", page=page, redacted=redacted)
