"""Sign-in, sign-out and direct-customer sign-up."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import func, select

from accounts import services
from accounts.models import User
from persistence import db
from storefront.forms import LoginForm, SignupForm
from storefront.security import is_safe_next

bp = Blueprint("auth", __name__)


def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: the signed-in user for a session's id (registered in create_app).
    A deactivated user, or one of a deactivated reseller, is nobody: every open session
    and remember-me cookie of theirs stops working with their next request."""
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.is_active else None


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = _find_user(form.email.data)
        if user is None or not user.check_password(form.password.data):
            form.password.errors.append("Wrong email or password.")
        elif not user.is_active:
            form.email.errors.append("This account is disabled. Ask your administrator.")
        else:
            return _sign_in(user, form.remember.data)
    return render_template("auth/login.html", form=form), 200 if not form.errors else 422


def _find_user(email: str) -> User | None:
    query = select(User).where(func.lower(User.email) == email.strip().lower())
    return db.session.scalars(query).first()


def _sign_in(user: User, remember: bool):
    login_user(user, remember=remember)
    services.record_sign_in(user)
    target = request.args.get("next")
    return redirect(target if is_safe_next(target) else url_for("main.home"))


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    """Self sign-up for a direct customer: the company and its first user."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = SignupForm()
    if form.validate_on_submit():
        if _find_user(form.user_email.data):
            form.user_email.errors.append("An account with this email exists. Sign in instead.")
        else:
            user = services.sign_up_direct_customer(form.data)
            login_user(user)
            flash("Welcome! Your company account is ready.", "success")
            return redirect(url_for("main.home"))
    return render_template("auth/signup.html", form=form), 200 if not form.errors else 422
