"""The second step of signing in (a TOTP or recovery code), enrolment (QR code, recovery
codes), and the trusted-browser cookie (accounts/mfa.py holds the policy).

Between the password and the code the browser is not signed in: the session cookie holds
only "mfa_pending" (the user's id, its choices, and when the password was right), which
lasts ten minutes and opens nothing but these pages. The key shown while enrolling is kept
in the session cookie as "mfa_enrolling" with the id of the user it was made for, so a
reload shows the same key; it is dropped at every sign-in and sign-out, and a key made
for another user is never shown (the next user of a shared browser got it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import segno
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user
from itsdangerous import BadSignature, URLSafeSerializer
from markupsafe import Markup

import notifications
from accounts import mfa, services, sessions, sign_in
from accounts.models import User
from config.credentials import product_key_cipher
from persistence import db
from storefront import access_consequences, throttling
from storefront.confirmation import unconfirmed
from storefront.errors import render_error
from storefront.security import is_safe_next
from storefront.team_forms import CodeForm, EnrolForm, PasswordCheckForm, ReplaceForm

bp = Blueprint("mfa", __name__, url_prefix="/mfa")

PENDING = "mfa_pending"
PENDING_FOR = timedelta(minutes=10)
ENROLLING = "mfa_enrolling"
DEVICE_COOKIE = "mfa_device"


def _cipher():
    # The storefront's at-rest Fernet key (it seals product keys too): the TOTP secret is
    # as sensitive, and one key to rotate is simpler than two.
    return product_key_cipher(current_app.config)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="mfa-device")


def enforced(user: User) -> bool:
    return bool(current_app.config.get("MFA_REQUIRED", True)) and mfa.required(user)


def after_password(user: User, remember: bool):
    """The password (or sign-up link) is right: sign in, or ask for the second factor
    first, or make the user enrol one when its role requires it."""
    now = datetime.now(UTC)
    forget_enrolment()  # whoever signed in on this browser before
    if user.mfa_enabled and _device_trusted(user, now):
        return finish(user, remember, "trusted browser")
    if not user.mfa_enabled and not enforced(user):
        return finish(user, remember)
    target = request.args.get("next")
    session[PENDING] = {"user": user.id, "remember": bool(remember),
                        "next": target if is_safe_next(target) else None,
                        "at": now.timestamp()}
    return redirect(url_for("mfa.verify" if user.mfa_enabled else "mfa.enrol"))


def _device_trusted(user: User, now: datetime) -> bool:
    try:
        token = _serializer().loads(request.cookies.get(DEVICE_COOKIE, ""))
    except BadSignature:
        return False
    return isinstance(token, str) and mfa.device_trusted(user, token, now)


def finish(user: User, remember: bool, how: str = "", next_target: str | None = None,
           attempts: int = 1):
    """Sign the user in (a server-side session opens) and go where it was heading; only
    now does the account's sign-in throttle start afresh (accounts/sign_in.py)."""
    session.pop(PENDING, None)
    forget_enrolment()
    address = throttling.client_address()
    sign_in.signed_in(throttling.store(), user.email, address, datetime.now(UTC), attempts)
    # Never remembered for a privileged user (accounts/sessions.py): no 30-day cookie.
    login_user(user, remember=remember and sessions.remembered(user))
    services.record_sign_in(user, address, how)
    target = next_target or request.args.get("next")
    return redirect(target if is_safe_next(target) else url_for("main.home"))


def _pending_user() -> tuple[User, dict] | None:
    """The user half-way through signing in, if the password was right recently."""
    state = session.get(PENDING)
    if not isinstance(state, dict):
        return None
    fresh = datetime.now(UTC).timestamp() - float(state.get("at", 0)) < \
        PENDING_FOR.total_seconds()
    user = db.session.get(User, int(state.get("user", 0))) if fresh else None
    if user is None or not user.is_active:
        session.pop(PENDING, None)
        return None
    return user, state


def _expired():
    flash("Sign in again: the step after the password lasts ten minutes.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/verify", methods=["GET", "POST"])
def verify():
    """The code from the app (or a recovery code) after the password."""
    pending = _pending_user()
    if pending is None:
        return _expired()
    user, state = pending
    form = CodeForm()
    if form.validate_on_submit():
        now, address = datetime.now(UTC), throttling.client_address()
        # Counted with the password's attempts: a guesser gets no more tries here.
        wait = sign_in.wait_before(throttling.store(), user.email, address,
                                   sign_in.Limits.from_config(current_app.config), now)
        if wait is not None:
            form.code.errors.append(f"Too many attempts; try again in "
                                    f"{throttling.in_words(wait)}.")
            return render_template("mfa/verify.html", form=form), 429, \
                {"Retry-After": str(wait)}
        try:
            how = mfa.verify(user, form.code.data, now, _cipher())
        except mfa.WrongCode as wrong:
            services.record_failed_sign_in(user.email, user, address, "wrong second factor")
            form.code.errors.append(str(wrong))
        else:  # the password's attempt and this code's are both taken back
            response = finish(user, state["remember"], how, state.get("next"), attempts=2)
            if form.remember_device.data:
                _set_device_cookie(response, mfa.trust_device(
                    user, now, current_app.config["MFA_DEVICE_DAYS"]))
            if how == "recovery code":
                flash(f"You used a recovery code; {mfa.remaining_codes(user)} are left. "
                      "Make new ones from your account page when few remain.", "info")
            return response
    return render_template("mfa/verify.html", form=form), 422 if form.errors else 200


def _set_device_cookie(response, token: str) -> None:
    config = current_app.config
    response.set_cookie(DEVICE_COOKIE, _serializer().dumps(token),
                        max_age=int(timedelta(days=config["MFA_DEVICE_DAYS"]).total_seconds()),
                        httponly=True, samesite="Lax",
                        secure=bool(config.get("SESSION_COOKIE_SECURE")))


@bp.route("/enrol", methods=["GET", "POST"])
def enrol():
    """Add the storefront to an authenticator app: after the password when the role
    requires it, or from the account page by choice, where the current password is asked
    again (ASVS 3.7.1): a stolen session cookie must not enrol its own authenticator and
    lock the owner out. Half-way through signing in, it was typed a moment ago."""
    if current_user.is_authenticated:
        user, state = current_user._get_current_object(), None
    elif (pending := _pending_user()) is not None:
        user, state = pending
    else:
        return _expired()
    if user.mfa_enabled:
        return redirect(url_for("account.profile"))
    secret = _enrolment_key(user)
    form = EnrolForm() if state is None else CodeForm()
    if form.validate_on_submit():
        if state is None and (wait := _password_refused(user, form)):
            return (*_enrol_page(form, user, secret, 429), {"Retry-After": str(wait)})
        if not form.errors:
            try:
                codes = mfa.enrol(user, secret, form.code.data, datetime.now(UTC),
                                  _cipher(), notifications.email)
            except mfa.WrongCode as wrong:
                form.code.errors.append(str(wrong))
            else:
                return _enrolled(user, state, codes)
    return _enrol_page(form, user, secret, 422 if form.errors else 200)


def _enrolment_key(user: User) -> str:
    """The key this user is enrolling with: kept until enrolment succeeds, so a reload or
    a second tab shows the same one; a new one when the kept key was made for someone
    else."""
    kept = session.get(ENROLLING)
    if isinstance(kept, dict) and kept.get("user") == user.id \
            and isinstance(kept.get("secret"), str):
        return kept["secret"]
    secret = mfa.new_secret()
    session[ENROLLING] = {"user": user.id, "secret": secret}
    return secret


def forget_enrolment() -> None:
    """Drop the key kept while enrolling (at sign-in and sign-out); the key of an older
    build, kept under "mfa_secret", too."""
    session.pop(ENROLLING, None)
    session.pop("mfa_secret", None)


def _password_refused(user: User, form: EnrolForm | ReplaceForm) -> int | None:
    """Check the re-typed password, throttled as at sign-in; a wrong one is put beside its
    field. The seconds to wait when tried too often."""
    if (wait := throttling.recheck_wait(user)) is not None:
        form.password.errors.append(throttling.too_many_rechecks(wait))
        return wait
    if not user.check_password(form.password.data):
        form.password.errors.append(
            "This is not your current password: type the one you sign in with. Forgotten "
            "it? Sign out and use “Forgot your password?” on the sign-in page.")
    return None


def _enrolled(user: User, state: dict | None, codes: list[str]):
    """The recovery codes, shown once; half-way through signing in, now signed in."""
    forget_enrolment()
    if state is None:
        throttling.rechecked(user)
    else:
        finish(user, state["remember"], "enrolled a second factor")
    return render_template("mfa/codes.html", codes=codes,
                           next=state.get("next") if state else None)


def _enrol_page(form, user: User, secret: str, status: int,
                template: str = "mfa/enrol.html"):
    uri = mfa.provisioning_uri(secret, user.email, current_app.config["MFA_ISSUER"])
    return render_template(template, form=form, secret=secret, uri=uri,
                           qr=qr_svg(uri), required=enforced(user)), status


@bp.route("/replace", methods=["GET", "POST"])
@login_required
def replace():
    """Move two-factor sign-in to a new authenticator (a new or lost phone), proven with the
    current password and a code from the current app or a recovery code: those who must
    keep two-factor cannot turn it off to enrol again, and a stolen session alone cannot
    swap in its own app."""
    user = current_user._get_current_object()
    if not user.mfa_enabled:
        abort(404)
    secret, form = _enrolment_key(user), ReplaceForm()
    if form.validate_on_submit():
        if wait := _password_refused(user, form):
            return (*_enrol_page(form, user, secret, 429, "mfa/replace.html"),
                    {"Retry-After": str(wait)})
        if not form.errors:
            try:
                codes = mfa.replace(user, secret, form.code.data, form.current_code.data,
                                    datetime.now(UTC), _cipher(), notifications.email)
            except mfa.NewCodeWrong as wrong:
                form.code.errors.append(str(wrong))
            except mfa.WrongCode as wrong:
                form.current_code.errors.append(str(wrong))
            else:
                return _enrolled(user, None, codes)
    return _enrol_page(form, user, secret, 422 if form.errors else 200, "mfa/replace.html")


def qr_svg(uri: str) -> Markup:
    """The URI as an inline SVG QR code, drawn here: the secret goes to no other service."""
    svg = segno.make(uri, error="m").svg_inline(scale=4, dark="#111", light="#fff",
                                               title="QR code for your authenticator app")
    return Markup(svg)  # noqa: S704 -- segno's own SVG of our URI, escaped by segno


@bp.route("/recovery-codes", methods=["POST"])
@login_required
def recovery_codes():
    """New recovery codes (the old ones stop working), confirmed with the password."""
    if not current_user.mfa_enabled:
        abort(404)
    form = PasswordCheckForm()
    if not form.validate_on_submit():
        flash("Recovery codes: type your current password to make new ones.", "error")
        return redirect(url_for("account.profile"))
    if (wait := throttling.recheck_wait(current_user)) is not None:
        return _too_many("Recovery codes", throttling.too_many_rechecks(wait), wait)
    if not current_user.check_password(form.password.data):
        flash("Recovery codes: type your current password to make new ones.", "error")
        return redirect(url_for("account.profile"))
    throttling.rechecked(current_user)
    codes = mfa.regenerate_codes(current_user, datetime.now(UTC), notifications.email)
    return render_template("mfa/codes.html", codes=codes, next=None)


@bp.route("/disable", methods=["POST"])
@login_required
def disable():
    """Turn two-factor sign-in off (not for provider admins and admin agents), proven with
    a current code: a borrowed session alone cannot do it. A code, not the password, since
    the confirmation page posts the fields again."""
    if not current_user.mfa_enabled:
        abort(404)
    if page := unconfirmed(access_consequences.disable_mfa()):
        return page
    form = CodeForm()
    now = datetime.now(UTC)
    if form.validate_on_submit() and (wait := throttling.recheck_wait(current_user)):
        return _too_many("Two-factor sign-in", throttling.too_many_rechecks(
            wait, "a code", "Use a code from your authenticator app, or a recovery code."),
            wait)
    try:
        if not form.validate_on_submit():
            raise mfa.WrongCode("Two-factor sign-in: type a current code to turn it off.")
        mfa.verify(current_user, form.code.data, now, _cipher())
        mfa.disable(current_user, current_user, now, notifications.email)
    except (mfa.WrongCode, mfa.MfaRequired) as refused:
        flash(str(refused), "error")
    else:
        throttling.rechecked(current_user)
        flash("Two-factor sign-in is off.", "success")
    return redirect(url_for("account.profile"))


def _too_many(title: str, refusal: str, wait: int):
    """429 with Retry-After for a re-typed secret tried too often; nothing typed to keep
    (the form holds only the secret)."""
    page, status = render_error(429, title, refusal)
    return page, status, {"Retry-After": str(wait)}
