"""Forgotten passwords: ask for a link by email, then choose a new password from it
(accounts/password_reset.py holds the policy)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, current_app, redirect, render_template, url_for
from flask_login import current_user

import notifications
from accounts import password_reset
from storefront import throttling
from storefront.password_links import PasswordLink, choose_password
from storefront.recovery_tasks import enqueue_password_reset
from storefront.team_forms import ForgotPasswordForm

bp = Blueprint("recovery", __name__, url_prefix="/password")


@bp.route("/forgot", methods=["GET", "POST"])
def forgot():
    """The same answer, after the same work, whether or not the address has an account."""
    if current_user.is_authenticated:
        return redirect(url_for("account.profile"))
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        now, config = datetime.now(UTC), current_app.config
        wait = password_reset.wait_before(
            throttling.store(), form.email.data, throttling.client_address(),
            config["PASSWORD_RESET_LIMIT"], config["PASSWORD_RESET_WINDOW_SECONDS"], now)
        if wait is not None:
            refusal = f"Too many reset requests; try again in {throttling.in_words(wait)}."
            response = current_app.make_response(
                (render_template("recovery/forgot.html", form=form, refusal=refusal), 429))
            response.headers["Retry-After"] = str(wait)
            return response
        # Looked up by a worker, for every address alike: the request's work and time
        # must not tell whether the address has an account.
        enqueue_password_reset(form.email.data)
        return render_template("recovery/sent.html")
    return render_template("recovery/forgot.html", form=form), 422 if form.errors else 200


RESET = PasswordLink(
    template="recovery/reset.html", pending=password_reset.pending,
    choose=lambda secret, password, now: password_reset.reset(secret, password, now,
                                                              notifications.email),
    lost="Ask for a new link from the sign-in page (“Forgot your password?”): each one "
         "works once, for an hour.",
    chosen=lambda user: f"Your password is changed, every browser signed in as "
                        f"{user.email} is signed out and its API tokens are revoked. Sign "
                        "in with the new password; make new tokens on the API tokens page.")


@bp.route("/reset", methods=["GET", "POST"])
def reset():
    """The emailed link: a new password, then sign in with it."""
    return choose_password(RESET)
