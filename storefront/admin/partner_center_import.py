"""Adopting the provider's existing Partner Center customers, run and followed."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

from storefront.admin import bp
from storefront.security import admin_only
from subscriptions import import_runs
from subscriptions.adoption import ImportSummary
from subscriptions.tasks import enqueue_import

REFRESH_SECONDS = 3  # how often the import page reloads itself while a run is going


@bp.route("/partner-center-import", methods=["GET", "POST"])
@admin_only
def partner_center_import():
    """Adopt the provider's existing Partner Center customers: start a run, follow it."""
    if request.method == "POST":
        try:
            run = import_runs.start(current_user._get_current_object())
        except import_runs.ImportRunning as running:
            flash(str(running), "info")
        else:
            enqueue_import(run.id)
            flash("The import has started; this page follows it.", "success")
        return redirect(url_for("admin.partner_center_import"))
    run = import_runs.latest()
    summary = ImportSummary.from_dict(run.summary) if run else None
    running = run is not None and run.state == "running"
    response = Response(render_template("admin/partner_center_import.html", run=run,
                                        summary=summary, running=running,
                                        refresh=REFRESH_SECONDS))
    if running:  # the browser reloads the page until the run ends
        response.headers["Refresh"] = str(REFRESH_SECONDS)
    return response
