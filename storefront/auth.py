"""Sign-in, sign-out and direct-customer sign-up."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

import notifications
from accounts import services, sessions, sign_in, sign_up
from accounts.models import User
from accounts.passwords import WeakPassword
from notifications.links import public_url_for
from persistence import utcnow
from storefront import account, mfa_views, throttling
from storefront.errors import render_error
from storefront.forms import ConfirmSignupForm, LoginForm, SignupForm

bp = Blueprint("auth", __name__)


def load_user(token: str) -> User | None:
    """Flask-Login's loader (registered in create_app): the user of a live server-side
    session. The session and remember-me cookies carry "<session id>:<secret>"; a session
    signed out, ended from the account page, by a password change or by deactivation, or
    expired, is nobody, as is a deactivated user or one of a deactivated reseller."""
    row = sessions.live_session(token, now=utcnow(), lifetimes=account.lifetimes())
    g.user_session = row
    return row.user if row is not None else None


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in; attempts are throttled per account and per client address before any
    password is hashed (accounts/sign_in.py)."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        now, address = datetime.now(UTC), throttling.client_address()
        wait = sign_in.wait_before(throttling.store(), form.email.data, address,
                                   sign_in.Limits.from_config(current_app.config), now)
        if wait is not None:
            return _too_many("auth/login.html", wait, form=form)
        user = sign_in.check(form.email.data, form.password.data)
        if user is None:
            services.record_failed_sign_in(
                form.email.data, sign_in.user_by_email(form.email.data), address)
            form.password.errors.append("Wrong email or password.")
        elif not user.is_active:
            services.record_failed_sign_in(form.email.data, user, address, "account disabled")
            form.email.errors.append(_disabled(user))
        else:  # the bucket clears once the second factor, if asked, is right too
            return _sign_in(user, form.remember.data)
    return render_template("auth/login.html", form=form), 200 if not form.errors else 422


def _disabled(user: User) -> str:
    """Why a user who gave the right password may not sign in, and who can change that:
    the provider, for a company it deactivated (a reseller also shuts out the users of
    its end customers, who may not know it stopped)."""
    company = user.deactivated_company
    if not user.active or company is None:
        return "This account is disabled. Ask your administrator."
    customer = user.customer
    if customer is not None and company is customer.reseller:
        stopped = f"{company.company_name}, which {customer.company_name} buys through, is"
    else:
        stopped = f"{company.company_name} is"
    return (f"This account is disabled: {stopped} deactivated by the provider, so none of "
            f"its users can sign in. Ask the provider to reactivate {company.company_name}.")


def _too_many(template: str, wait: int, what: str = "sign-in attempts", **context):
    """429 with Retry-After; the same whether or not the account exists."""
    refusal = f"Too many {what}; try again in {throttling.in_words(wait)}."
    response = make_response(render_template(template, refusal=refusal, **context), 429)
    response.headers["Retry-After"] = str(wait)
    return response


def _sign_in(user: User, remember: bool):
    """Signed in, or on to the second factor when the user has one or must enrol one."""
    return mfa_views.after_password(user, remember)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    account.sign_out()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    """Self sign-up for a direct customer. The answer is "check your email" whether or not
    the address has an account; the emailed link finishes it (accounts/sign_up.py)."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = SignupForm()
    if form.validate_on_submit():
        now, config = datetime.now(UTC), current_app.config
        wait = sign_up.wait_before(throttling.store(), throttling.client_address(),
                                   config["SIGN_UP_LIMIT"], config["SIGN_UP_WINDOW_SECONDS"], now)
        if wait is not None:
            return _too_many("auth/signup.html", wait, "sign-ups from your address", form=form)
        wait = sign_up.mailbox_wait(throttling.store(), form.user_email.data,
                                    config["SIGN_UPS_PER_ADDRESS_PER_DAY"], now)
        if wait is not None:
            return _too_many("auth/signup.html", wait, "sign-up emails to this address",
                             form=form)
        try:
            # Links under PUBLIC_BASE_URL, never the request's Host header (the client's).
            sign_up.request(form.data, now, notifications.email,
                            lambda secret: public_url_for("auth.signup_confirm", token=secret),
                            public_url_for("auth.login"))
        except WeakPassword as error:
            form.password.errors.append(str(error))
        except services.InvalidEmail as error:
            form.user_email.errors.append(str(error))
        else:
            return redirect(url_for("auth.signup_sent"))
    return render_template("auth/signup.html", form=form), 200 if not form.errors else 422


@bp.route("/signup/sent")
def signup_sent():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    return render_template("auth/signup_sent.html")


@bp.route("/signup/confirm", methods=["GET", "POST"])
def signup_confirm():
    """The emailed link: typing the password chosen at sign-up creates the account."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    secret, now = request.args.get("token", ""), datetime.now(UTC)
    try:
        email = sign_up.pending(secret, now).email
    except sign_up.LinkInvalid:
        return _link_invalid()
    form = ConfirmSignupForm()
    if form.validate_on_submit():
        return _confirm(form, secret, email, now)
    return render_template("auth/signup_confirm.html", form=form, email=email), \
        200 if not form.errors else 422


def _confirm(form: ConfirmSignupForm, secret: str, email: str, now: datetime):
    """Confirming types a password, so it is throttled like signing in to that account."""
    address = throttling.client_address()
    wait = sign_in.wait_before(throttling.store(), email, address,
                               sign_in.Limits.from_config(current_app.config), now)
    if wait is not None:
        return _too_many("auth/signup_confirm.html", wait, form=form, email=email)
    try:
        user = sign_up.confirm(secret, form.password.data, now)
    except sign_up.LinkInvalid:
        return _link_invalid()
    except sign_up.WrongPassword:
        form.password.errors.append("That is not the password you chose when signing up.")
        return render_template("auth/signup_confirm.html", form=form, email=email), 422
    except services.EmailTaken:
        flash("This address has an account already: sign in with it.", "info")
        return redirect(url_for("auth.login"))
    flash("Welcome! Your company account is ready.", "success")
    return _sign_in(user, False)


def _link_invalid():
    return render_error(404, "This link does not work", (
        "The link is unknown, already used, or more than 24 hours old. Sign up again to get "
        "a new one, or sign in if you have confirmed your account."))
