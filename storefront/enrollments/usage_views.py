"""Usage pages of an enrollment (O5, O8): the detailed usage export for the enrollment, one
account or one subscription; a subscription's page with its status and usage; and the
customer's choice of periodic usage notification. Everyone who sees the enrollment may use
them: the customer chooses, the partner assists, the provider supports."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from commitments.notices import UsageFrequency
from commitments.records import usage
from storefront.enrollments import usage_presenter
from storefront.enrollments.views import bp, enrollment_for, render_show, today
from storefront.tables import csv_download


def _scope(row):
    """The account or subscription the export is narrowed to (?account=, ?subscription=)."""
    account = subscription = None
    if account_id := request.args.get("account", ""):
        account = next((a for a in row.accounts if str(a.id) == account_id), None) or abort(404)
    if subscription_id := request.args.get("subscription", ""):
        subscription = usage.find_subscription(row, subscription_id) or abort(404)
    return account, subscription


def _filename(row, account, subscription) -> str:
    suffix = f"-account-{account.id}" if account else ""
    if subscription is not None:
        suffix = f"-subscription-{subscription.id}"
    return f"usage-{row.number}{suffix}.csv"


@bp.route("/enrollments/<int:enrollment_id>/usage.csv")
@login_required
def usage_csv(enrollment_id: int):
    """Detailed usage records as CSV; cells a spreadsheet would run are neutralised."""
    row = enrollment_for(current_user, enrollment_id)
    account, subscription = _scope(row)

    def rows():
        # Read again as the file is sent: the view's objects are closed by then
        # (storefront/tables.py stream_download).
        found = enrollment_for(current_user, enrollment_id)
        return (line.cells() for line in usage.usage_lines(found, *_scope(found)))
    return csv_download(_filename(row, account, subscription), usage.EXPORT_HEADER, rows)


@bp.route("/enrollments/<int:enrollment_id>/subscriptions/<subscription_id>")
@login_required
def subscription_show(enrollment_id: int, subscription_id: str):
    row = enrollment_for(current_user, enrollment_id)
    subscription = usage.find_subscription(row, subscription_id) or abort(404)
    lines = list(usage.usage_lines(row, subscription=subscription))
    return render_template("enrollments/subscription.html", row=row, subscription=subscription,
                           lines=lines, total=usage.lines_total(lines),
                           dunning=usage_presenter.dunning(row, today()))


@bp.route("/enrollments/<int:enrollment_id>/usage-notifications", methods=["POST"])
@login_required
def usage_frequency(enrollment_id: int):
    """Store the customer's periodic usage notification: daily, weekly, monthly or none."""
    row = enrollment_for(current_user, enrollment_id)
    chosen = request.form.get("usage_frequency")
    if chosen not in usage_presenter.FREQUENCY_LABELS:
        flash("Usage notifications: choose daily, weekly, monthly or no periodic "
              "notifications.", "error")
        return render_show(row, 422)
    usage.set_usage_frequency(row, UsageFrequency(chosen) if chosen else None)
    flash(f"Usage notifications: {usage_presenter.FREQUENCY_LABELS[chosen].lower()}.",
          "success")
    return redirect(url_for("enrollments.show", enrollment_id=row.id))
