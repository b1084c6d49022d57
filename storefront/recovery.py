"""Forgotten passwords: ask for a link by email, then choose a new password from it
(accounts/password_reset.py holds the policy)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

import notifications
from accounts import links, password_reset
from accounts.passwords import WeakPassword
from notifications.links import public_url_for
from storefront import throttling
from storefront.team import link_invalid
from storefront.team_forms import ChoosePasswordForm, ForgotPasswordForm

bp = Blueprint("recovery", __name__, url_prefix="/password")


@bp.route("/forgot", methods=["GET", "POST"])
def forgot():
    """The same answer whether or not the address has an account."""
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
        password_reset.request(form.email.data, now, notifications.email,
                               lambda secret: public_url_for("recovery.reset", token=secret))
        return render_template("recovery/sent.html")
    return render_template("recovery/forgot.html", form=form), 422 if form.errors else 200


@bp.route("/reset", methods=["GET", "POST"])
def reset():
    """The emailed link: a new password, then sign in with it."""
    secret, now = request.args.get("token", ""), datetime.now(UTC)
    try:
        row = password_reset.pending(secret, now)
    except links.LinkInvalid:
        return link_invalid("Ask for a new link from the sign-in page (“Forgot your "
                            "password?”): each one works once, for an hour.")
    form = ChoosePasswordForm()
    if form.validate_on_submit():
        try:
            user = password_reset.reset(secret, form.password.data, now)
        except links.LinkInvalid:
            return link_invalid("Ask for a new link from the sign-in page.")
        except WeakPassword as weak:
            form.password.errors.append(str(weak))
        else:
            flash(f"Your password is changed and every browser signed in as {user.email} "
                  "is signed out. Sign in with the new password.", "success")
            return redirect(url_for("auth.login"))
    return render_template("recovery/reset.html", form=form, email=row.email), \
        422 if form.errors else 200
