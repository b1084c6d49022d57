"""The users page of a reseller or customer (invite, roles, deactivate), the invitation's
link, the accounts audit log, and the guard that keeps billing users on the invoices."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

import notifications
from accounts import audit, invitations, links, services, team
from accounts.models import Customer, Reseller, User
from notifications.links import public_url_for
from persistence import db, utcnow
from storefront import access_consequences, tables, throttling
from storefront.confirmation import unconfirmed
from storefront.errors import render_error
from storefront.pagination import paginate
from storefront.password_links import PasswordLink, choose_password
from storefront.security import acting_user, within
from storefront.tables import csv_download
from storefront.team_forms import ROLE_LABELS, InviteForm, RoleForm

bp = Blueprint("team", __name__, url_prefix="/team")

# What a billing-only user may open: the invoices, its own account, signing in and out.
# The API is not among them: a billing user holds no token (set_role revokes them, and the
# tokens page is closed to it).
BILLING_ENDPOINTS = ("billing.invoices", "billing.invoice", "billing.invoice_pdf",
                     "billing.invoice_csv", "static", "main.healthz")
BILLING_BLUEPRINTS = ("account", "auth", "mfa", "recovery")


@bp.before_app_request
def keep_billing_users_on_invoices():
    """A billing user sees invoices and nothing else: every other page answers 403, and
    the home page leads to the invoices."""
    endpoint = request.endpoint or ""
    # Asked first: static files and the API (bearer tokens) need no session lookup here.
    if endpoint in BILLING_ENDPOINTS or endpoint.partition(".")[0] in (*BILLING_BLUEPRINTS,
                                                                       "api"):
        return None
    user = acting_user()
    if not user.is_authenticated or not user.is_billing_only:
        return None
    if endpoint == "main.home":
        return redirect(url_for("billing.invoices"))
    return render_error(403, "Invoices only", (
        "Your role in your company is billing: you see its invoices and nothing else. Ask "
        "your company's administrator if you need more."))


def _company() -> team.Company:
    """The company whose users the page shows: a company admin's own (whatever the query
    says); for the provider's admins, the one named by ?reseller= or ?customer=."""
    if not current_user.is_provider_admin:
        company = team.company_of(current_user)
        if company is None or not team.may_manage(current_user, company):
            abort(403)
        return company
    reseller_id = request.args.get("reseller", type=int)
    customer_id = request.args.get("customer", type=int)
    if reseller_id is not None:
        return team.Company(reseller=db.session.get(Reseller, within(reseller_id))
                            or abort(404))
    if customer_id is not None:
        return team.Company(customer=db.session.get(Customer, within(customer_id))
                            or abort(404))
    abort(404)


def _company_args(company: team.Company) -> dict:
    """The query that names the company again (only the provider's admins need it)."""
    if not current_user.is_provider_admin:
        return {}
    if company.reseller is not None:
        return {"reseller": company.reseller.id}
    return {"customer": company.customer.id}


@bp.route("")
@login_required
def index():
    if current_user.is_provider_admin and not request.args.keys() & {"reseller", "customer"}:
        # No company named: the provider's admins pick one from the resellers' list.
        return redirect(url_for("admin.resellers"))
    company = _company()
    return _page(company, InviteForm(formdata=None))


def _page(company: team.Company, form: InviteForm, status: int = 200,
          refused_role: tuple[int, RoleForm, str] | None = None):
    """The users page; `refused_role` is a member's role form refused (member id, the form
    as submitted, the problem code)."""
    members = team.members(company)
    locked = _admin_agent_locked(company, form)
    return render_template(
        "team/index.html", company=company, form=form, members=members,
        invitations=team.open_invitations(company, utcnow()), role_labels=ROLE_LABELS,
        role_form=RoleForm, args=_company_args(company), agent_locked=locked,
        refused_role=refused_role, held_by_provider=team.deactivated_by_provider(members)), \
        status


def _admin_agent_locked(company: team.Company, form: InviteForm) -> str | None:
    """Why the viewer may not grant or withdraw admin agent here (None if it may); the
    invitation's box is then shown disabled and unticked, with that reason beside it."""
    if team.may_grant_admin_agent(current_user, company):
        return None
    reason = (f"Only an admin agent of {company.name} or your provider grants or withdraws "
              "admin agent: it holds the keys to your customers' Microsoft tenants (S4, S7).")
    form.admin_agent.render_kw, form.admin_agent.data = {"disabled": True}, False
    form.admin_agent.description = reason
    return reason


def refusal_said(refused: team.AdminAgentNotHeld) -> str:
    """A refusal as shown beside its field, with its rule's code."""
    return f"{refused} ({refused.code})"


@bp.route("/invite", methods=["POST"])
@login_required
def invite():
    """Email an invitation; the invitee chooses its own password from the link."""
    company = _company()
    form = InviteForm()
    if not form.validate_on_submit():
        return _page(company, form, 422)
    if refused := send_invitation(company, form):
        status, headers = refused
        return (*_page(company, form, status), headers)
    return redirect(url_for("team.index", **_company_args(company)))


def send_invitation(company: team.Company, form: InviteForm) -> tuple[int, dict] | None:
    """Send the invitation a valid form asks for, counted against the allowances, and say
    so (None); or put the refusal beside the email field and return the status and headers
    to show the form again with. The team page and the admin's "Invite a user" share it."""
    if too_many := _over_allowance(company, form.email.data):
        refusal, wait = too_many
        form.email.errors.append(f"{refusal}; wait {throttling.in_words(wait)}, then send it "
                                 "again.")
        return 429, {"Retry-After": str(wait)}
    try:
        invitations.invite(
            current_user, company, email=form.email.data, name=form.name.data,
            company_role=form.company_role.data, admin_agent=form.admin_agent.data,
            now=utcnow(), mail=notifications.email,
            accept_url=lambda secret: public_url_for("team.join", token=secret))
    except services.InvalidEmail as refused:
        form.email.errors.append(str(refused))
        return 422, {}
    except team.AdminAgentNotHeld as refused:
        form.admin_agent.errors.append(refusal_said(refused))
        return 403, {}
    flash(f"An invitation is on its way to {form.email.data.strip().lower()}; the link "
          "works once, for 7 days.", "success")
    return None


@bp.route("/invitations/<int:invitation_id>/revoke", methods=["POST"])
@login_required
def revoke_invitation(invitation_id: int):
    """Revoke an open invitation: its link stops working at once."""
    row = invitations.open_invitation_for(current_user, within(invitation_id), utcnow()) \
        or abort(404)
    if page := unconfirmed(access_consequences.revoke_invitation(row)):
        return page
    company = invitations.company_invited_to(row)
    try:
        invitations.revoke(current_user, row, utcnow())
    except links.LinkInvalid:
        flash(f"The invitation to {row.email} was accepted or revoked a moment ago; the "
              "list below shows where it stands.", "info")
    else:
        flash(f"The invitation to {row.email} is revoked: its link no longer works.",
              "success")
    return redirect(url_for("team.index", **_company_args(company)))


def _over_allowance(company: team.Company, email: str) -> tuple[str, int] | None:
    """Which allowance this invitation is over, and the seconds to wait: the company's
    hourly one, then the address's daily one (accounts/team.py)."""
    config, store, now = current_app.config, throttling.store(), utcnow()
    wait = invitations.invitation_wait(store, company, config["INVITATIONS_PER_HOUR"], now)
    if wait is not None:
        return f"{company.name} has sent as many invitations as an hour allows", wait
    wait = invitations.address_invitation_wait(store, current_user, email,
                                        config["INVITATIONS_PER_ADDRESS_PER_DAY"], now)
    if wait is not None:
        return ("This address has had as many invitations as a day allows, from every "
                "company together"), wait
    return None


def _member(member_id: int) -> User:
    """A user the caller may manage, else 404 (another company's ids tell nothing)."""
    return team.member_for(current_user, within(member_id)) or abort(404)


@bp.route("/members/<int:member_id>/role", methods=["POST"])
@login_required
def member_role(member_id: int):
    user = _member(member_id)
    form = RoleForm()
    if not form.validate_on_submit():
        return render_error(400, "Choose a role", (
            "Role: choose admin, user or billing from the list, then save again."))
    company = team.company_of(user)
    try:  # before asking to confirm a withdrawal the actor may not make
        team.check_admin_agent(current_user, company, user.admin_agent, form.admin_agent.data)
    except team.AdminAgentNotHeld as refused:
        form.admin_agent.errors.append(refusal_said(refused))
        return _page(company, InviteForm(formdata=None), 403, refused_role=(user.id, form,
                                                                      refused.code))
    if page := unconfirmed(access_consequences.change_role(
            user, form.company_role.data, form.admin_agent.data,
            len(team.invitations_sent_by(user, utcnow())))):
        return page
    try:
        ended = team.set_role(current_user, user, company_role=form.company_role.data,
                              admin_agent=form.admin_agent.data, now=utcnow())
    except team.NotAllowed as refused:
        flash(str(refused), "error")
    else:
        making_agent = user.company_role == "admin"  # then only those making one ended
        flash(f"{user.email} is now: {ROLE_LABELS[user.company_role]}"
              f"{', admin agent' if user.admin_agent else ''}."
              f"{invitations_ended(ended, making_agent)}", "success")
    return redirect(url_for("team.index", **_company_args(company)))


@bp.route("/members/<int:member_id>/active", methods=["POST"])
@login_required
def member_active(member_id: int):
    """Deactivate a colleague (its sessions and API tokens end for good) or reactivate it."""
    user = _member(member_id)
    choice = request.form.get("active")
    if choice not in ("on", "off"):
        abort(400)
    on = choice == "on"
    if page := unconfirmed(None if on or not user.active else
                           access_consequences.deactivate_user(user)):
        return page
    try:
        ended = team.set_active(current_user, user, on, utcnow())
    except team.NotAllowed as refused:
        flash(str(refused), "error")
    else:
        flash(activation_said(user, on, ended), "success")
    return redirect(url_for("team.index", **_company_args(team.company_of(user))))


def activation_said(user: User, on: bool, ended: int) -> str:
    """What the page says once a user is reactivated or deactivated (the admin's pages
    too)."""
    if on:
        return f"{user.email} is active again; it signs in afresh."
    return (f"{user.email} is deactivated: its sessions and API tokens have ended."
            f"{invitations_ended(ended)}")


def invitations_ended(count: int, making_agent: bool = False) -> str:
    """How many open invitations the user sent ended (only those making an admin agent,
    when it lost that and kept its admin role)."""
    if not count:
        return ""
    return (f" The {count} invitation{'s' if count > 1 else ''} it sent"
            f"{' making an admin agent' if making_agent else ''} that "
            f"{'were' if count > 1 else 'was'} still open no longer work"
            f"{'' if count > 1 else 's'}.")


@bp.route("/join", methods=["GET", "POST"])
def join():
    """The invitation's link: the invitee chooses its password, then signs in."""
    if current_user.is_authenticated:
        flash("Sign out first to accept an invitation for another address.", "info")
        return redirect(url_for("main.home"))
    return choose_password(JOIN)


def _address_taken():
    flash("This address has an account already: sign in with it.", "info")
    return redirect(url_for("auth.login"))


JOIN = PasswordLink(
    template="team/join.html", pending=invitations.live,
    choose=invitations.accept, lost="Ask whoever invited you to send a new invitation.",
    chosen=lambda user: f"Welcome! Your password is set; sign in as {user.email}.",
    refusals={services.EmailTaken: _address_taken})


AUDIT_COLUMNS = ("time (UTC)", "event", "user", "by", "detail", "address")


@bp.route("/audit")
@login_required
def audit_log():
    """Sign-ins, invitations, role, password and MFA changes, API tokens: all of them for
    the provider's admins, their own company's for a company's admins."""
    if not (current_user.is_provider_admin or current_user.is_company_admin):
        abort(403)
    kind, email = request.args.get("kind", ""), request.args.get("email", "").strip()
    # A company's admins see their own company only; the provider's pick one.
    company = request.args.get("company", "") if current_user.is_provider_admin else ""
    # The viewer's calendar days, as the rows' times are shown (and every list filters).
    view = tables.listing("team.audit_log", (), "", True, ("start", "end"))
    start, end = tables.day_range(view, ("start", "end"))
    query = audit.filtered(audit.visible_events(current_user), kind=kind, email=email,
                           start=start, end=end, company=company)
    if request.args.get("format") == "csv":
        return csv_download("audit-log.csv", AUDIT_COLUMNS, lambda: (
            (e.at.isoformat(), e.kind, e.email, e.actor.email if e.actor else "", e.detail,
             e.address) for e in db.session.scalars(query)))
    return render_template("team/audit.html", page=paginate(query), kinds=list(audit.Kind),
                           kind=kind, email=email, start=view.filters["start"],
                           end=view.filters["end"], view=view, company=company,
                           companies=_audit_companies())


def _audit_companies() -> list[tuple[str, str]]:
    return audit.companies() if current_user.is_provider_admin else []
