"""The account page (where you are signed in, sign out one browser or everywhere, change
the password) and the web side of server-side sessions (accounts/sessions.py): every
sign-in opens a session row, and the cookies carry its token instead of the user id."""

from __future__ import annotations

from datetime import timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, logout_user

import notifications
from accounts import api_tokens, links, mfa, preferences, services, sessions
from accounts import profile as own_profile
from accounts.models import UserSession
from notifications.links import public_url_for
from persistence import utcnow
from storefront import access_consequences, mfa_views, throttling
from storefront.confirmation import unconfirmed
from storefront.forms import ChangePasswordForm, TimeZoneForm
from storefront.local_times import default_zone_name
from storefront.password_links import link_invalid
from storefront.team_forms import EmailChangeForm, PasswordCheckForm, ProfileForm

bp = Blueprint("account", __name__, url_prefix="/account")

# (mark in the User-Agent header, name): Edge and Opera also say Chrome, every iOS browser
# says Mac OS X and Android says Linux, so the more specific marks come first.
BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"),
            ("Chrome/", "Chrome"), ("Safari/", "Safari"))
SYSTEMS = (("iPhone", "iOS"), ("iPad", "iOS"), ("Android", "Android"), ("Windows", "Windows"),
           ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux"))


def lifetimes() -> sessions.Lifetimes:
    config = current_app.config
    return sessions.Lifetimes(remember=config["REMEMBER_COOKIE_DURATION"],
                              idle=config["SESSION_IDLE_TIMEOUT"],
                              absolute=config["SESSION_ABSOLUTE_TIMEOUT"],
                              privileged_idle=config["PRIVILEGED_SESSION_IDLE_TIMEOUT"],
                              privileged_absolute=config["PRIVILEGED_SESSION_ABSOLUTE_TIMEOUT"])


def _span(length: timedelta) -> str:
    """A lifetime as people say it: "30 days", "12 hours", "30 minutes"."""
    minutes = max(1, round(length.total_seconds() / 60))
    unit, size = next(((unit, size) for unit, size in (("day", 24 * 60), ("hour", 60))
                       if minutes % size == 0), ("minute", 1))
    count = minutes // size
    return f"{count} {unit}{'s' if count != 1 else ''}"


@bp.app_context_processor
def _session_terms() -> dict:
    return {"session_terms": session_terms}


def session_terms(user=None) -> str:
    """How long a sign-in lasts, for the sign-in form (no user) or the account page."""
    terms = lifetimes()
    kept, idle, absolute = (_span(terms.remember), _span(terms.privileged_idle),
                            _span(terms.privileged_absolute))
    privileged = (f"signed out after {idle} without a request and {absolute} after "
                  "signing in, whatever “Keep me signed in” says")
    if user is None:
        return (f"Keeps this browser signed in for {kept}. Provider admins and admin "
                f"agents are never kept: they are {privileged}.")
    if not sessions.remembered(user):
        return f"Your role holds the keys to customers' tenants, so you are {privileged}."
    return (f"A browser you ticked “Keep me signed in” on stays signed in for {kept}; any "
            f"other is signed out after {_span(terms.idle)} without a request and "
            f"{_span(terms.absolute)} after signing in.")


def current_session() -> UserSession | None:
    """This request's session row (load_user or the sign-in put it there)."""
    return g.get("user_session")


def open_server_session(_app, user, **_extra) -> None:
    """Flask-Login's user_logged_in signal (connected in create_app): every sign-in, by any
    path, gets its own session row; the session and remember-me cookies then carry its
    token, so the server can end them."""
    row, token = sessions.open_session(
        user, remember=session.get("_remember") == "set",
        user_agent=browser_summary(request.user_agent.string),
        address=request.remote_addr or "", now=utcnow(), lifetimes=lifetimes())
    session["_user_id"] = token
    g.user_session = row


def browser_summary(agent: str) -> str:
    """"Firefox on Linux" from a User-Agent header, for its owner to recognise the browser;
    the header itself, shortened, when it names no browser we know."""
    browser = next((name for mark, name in BROWSERS if mark in agent), None)
    system = next((name for mark, name in SYSTEMS if mark in agent), None)
    if browser is None:
        return agent[:80] or "Unknown browser"
    return f"{browser} on {system}" if system else browser


def sign_out() -> None:
    """End this browser's session on the server (a copied cookie stops working too), then
    drop it from the cookies."""
    row = current_session()
    if row is not None:
        sessions.revoke(row, utcnow())
    mfa_views.forget_enrolment()
    logout_user()


@bp.route("")
@login_required
def profile():
    return _page(ChangePasswordForm())


def _page(form: ChangePasswordForm, status: int = 200, zone_form: TimeZoneForm | None = None,
          profile_form: ProfileForm | None = None, email_form: EmailChangeForm | None = None):
    rows = sessions.sessions_of(current_user, utcnow(), lifetimes())
    if profile_form is None:
        profile_form = ProfileForm(formdata=None, name=current_user.name,
                                   language=current_user.language or "")
    return render_template("account/profile.html", form=form, rows=rows,
                           current=current_session(), now=utcnow(),
                           # A privileged user's older remembered rows keep it no longer.
                           kept_allowed=sessions.remembered(current_user),
                           zone_form=zone_form or _zone_form(formdata=None),
                           profile_form=profile_form,
                           email_form=email_form or EmailChangeForm(formdata=None),
                           check_form=PasswordCheckForm(formdata=None),
                           mfa_required=mfa_views.enforced(current_user),
                           live_tokens=api_tokens.live_count(current_user),
                           codes_left=mfa.remaining_codes(current_user)
                           if current_user.mfa_enabled else 0), status


def _too_many(page: tuple, wait: int):
    """The account page refusing a re-typed secret for now (429, Retry-After); the other
    typed values stay in the form, the secrets are not sent back."""
    return (*page, {"Retry-After": str(wait)})


@bp.route("/details", methods=["POST"])
@login_required
def details():
    """The user's name and language."""
    form = ProfileForm()
    if form.validate_on_submit():
        try:
            own_profile.update(current_user, name=form.name.data, language=form.language.data)
        except own_profile.UnknownLanguage as unknown:
            form.language.errors.append(str(unknown))
        else:
            flash("Your details are saved.", "success")
            return redirect(url_for("account.profile"))
    return _page(ChangePasswordForm(formdata=None), 422, profile_form=form)


@bp.route("/email", methods=["POST"])
@login_required
def change_email():
    """A new sign-in address counts once the link sent to it is opened."""
    form = EmailChangeForm()
    if form.validate_on_submit():
        if (wait := throttling.recheck_wait(current_user)) is not None:
            form.password.errors.append(throttling.too_many_rechecks(wait))
            return _too_many(_page(ChangePasswordForm(formdata=None), 429, email_form=form),
                             wait)
        try:
            own_profile.request_email_change(
                current_user, form.email.data, form.password.data, utcnow(),
                notifications.email,
                lambda secret: public_url_for("account.confirm_email", token=secret),
                own_profile.change_allowance(throttling.store(), current_user,
                                             current_app.config["EMAIL_CHANGES_PER_DAY"],
                                             utcnow()))
        except own_profile.TooManyChanges as over:
            throttling.rechecked(current_user)  # the password was right
            form.email.errors.append(
                "You have asked for as many address changes as a day allows; wait "
                f"{throttling.in_words(over.wait)}, then ask again.")
            return _too_many(_page(ChangePasswordForm(formdata=None), 429, email_form=form),
                             over.wait)
        except services.WrongPassword as wrong:
            form.password.errors.append(str(wrong))
        except services.InvalidEmail as refused:
            form.email.errors.append(str(refused))
        else:
            throttling.rechecked(current_user)
            flash(f"Open the link we sent to {form.email.data.strip().lower()} within 24 "
                  "hours; until then you sign in with your current address.", "success")
            return redirect(url_for("account.profile"))
    return _page(ChangePasswordForm(formdata=None), 422, email_form=form)


@bp.route("/email/confirm")
def confirm_email():
    """The link sent to the new address: from now on the account signs in with it."""
    try:
        user = own_profile.confirm_email_change(
            request.args.get("token", ""), utcnow(), notifications.email)
    except links.LinkInvalid:
        return link_invalid("Ask for the change again from your account page.")
    except services.EmailTaken as taken:
        flash(str(taken), "error")
        return redirect(url_for("main.home"))
    flash(f"You now sign in as {user.email}.", "success")
    return redirect(url_for("account.profile" if current_user.is_authenticated
                            else "auth.login"))


def _zone_form(**kwargs) -> TimeZoneForm:
    form = TimeZoneForm(default_zone=default_zone_name(), **kwargs)
    if kwargs.get("formdata", True) is None:
        form.time_zone.data = current_user.time_zone or ""
    return form


@bp.route("/time-zone", methods=["POST"])
@login_required
def time_zone():
    """The zone every page shows this user's times in (storefront/local_times.py)."""
    form = _zone_form()
    if not form.validate_on_submit():
        return _page(ChangePasswordForm(formdata=None), 422, zone_form=form)
    preferences.set_time_zone(current_user, form.time_zone.data)
    flash(f"Times are now shown in {current_user.time_zone or default_zone_name()}.",
          "success")
    return redirect(url_for("account.profile"))


@bp.route("/password", methods=["POST"])
@login_required
def change_password():
    """A new password, confirmed by the current one; every other browser is signed out."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if (wait := throttling.recheck_wait(current_user)) is not None:
            form.current.errors.append(throttling.too_many_rechecks(wait))
            return _too_many(_page(form, 429), wait)
        try:
            revoked = services.change_password(
                current_user, form.current.data, form.password.data, keep=current_session(),
                revoke_tokens=form.revoke_tokens.data, mail=notifications.email)
        except services.WrongPassword as wrong:
            form.current.errors.append(str(wrong))
        else:
            throttling.rechecked(current_user)
            flash(_password_changed(revoked, api_tokens.live_count(current_user)), "success")
            return redirect(url_for("account.profile"))
    return _page(form, 422)


def _password_changed(revoked: int, kept: int) -> str:
    """What the change ended, API tokens included or not."""
    said = "Your password is changed, and every other browser signed in as you is signed out."
    if revoked:
        return (f"{said[:-1]}; the {_tokens(revoked)} you made "
                f"{'is' if revoked == 1 else 'are'} "
                "revoked: make new ones on the API tokens page.")
    if kept:
        return (f"{said} The {_tokens(kept)} you made still "
                f"{'works' if kept == 1 else 'work'}.")
    return said


def _tokens(count: int) -> str:
    return f"{count} API token" if count == 1 else f"{count} API tokens"


@bp.route("/sessions/<int:session_id>/revoke", methods=["POST"])
@login_required
def revoke_session(session_id: int):
    """Sign out one of your browsers (this one too, if you pick it)."""
    row = sessions.session_of(current_user, session_id)
    if row is None:
        abort(404)
    current = current_session()
    if page := unconfirmed(access_consequences.end_session(row, current)):
        return page
    if current is not None and current.id == row.id:
        sign_out()
        flash("You are signed out.", "info")
        return redirect(url_for("auth.login"))
    sessions.revoke(row, utcnow())
    flash(f"{row.user_agent} is signed out.", "success")
    return redirect(url_for("account.profile"))


@bp.route("/sessions/revoke-all", methods=["POST"])
@login_required
def sign_out_everywhere():
    if page := unconfirmed(access_consequences.sign_out_everywhere()):
        return page
    sessions.revoke_all(current_user, utcnow())
    mfa_views.forget_enrolment()
    logout_user()
    flash("You are signed out everywhere, this browser included, and your API tokens are "
          "revoked: make new ones on the API tokens page after signing in.", "info")
    return redirect(url_for("auth.login"))
