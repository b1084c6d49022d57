"""Provider-admin pages: resellers, their users, and every customer."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import or_, select

import notifications
from accounts import services, team
from accounts.models import Customer, MpaStatus, Reseller, User
from accounts.scoping import name_contains
from agreements import heads
from agreements.keys import from_config
from agreements.mca import McaAcceptance, export_csv, verify_configured
from catalog import country_lists
from catalog.models import CountryListEntry
from catalog.price_words import counted
from checkout.rules.k03_tax_id import describe
from checkout.validators.tax_id import known_format
from persistence import db, utcnow
from persistence.search import contains
from storefront import consequences
from storefront.confirmation import unconfirmed
from storefront.customers import CUSTOMER_CSV_HEADER, bought_by, customer_listing, customer_row
from storefront.errors import render_error
from storefront.forms import AdminCustomerForm, CountryEntryForm, ResellerForm
from storefront.main import check_with_microsoft
from storefront.pagination import paginate
from storefront.security import admin_only
from storefront.tables import csv_download, page_of, stream_download
from storefront.team import activation_said, invitations_ended, send_invitation
from storefront.team_forms import InviteForm
from storefront.templating import sentence
from subscriptions import import_runs
from subscriptions.adoption import ImportSummary
from subscriptions.tasks import enqueue_import

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/resellers")
@admin_only
def resellers():
    q = request.args.get("q", "").strip()
    query = select(Reseller).order_by(Reseller.company_name)
    if q:
        query = query.where(or_(contains(Reseller.company_name, q), contains(Reseller.mpn_id, q)))
    page = paginate(query)
    return render_template("admin/resellers.html", page=page, q=q)


@bp.route("/resellers/new", methods=["GET", "POST"])
@admin_only
def reseller_new():
    return _reseller_form(Reseller(), "Add a reseller")


@bp.route("/resellers/<int:reseller_id>", methods=["GET", "POST"])
@admin_only
def reseller_edit(reseller_id: int):
    reseller = db.session.get(Reseller, reseller_id) or abort(404)
    return _reseller_form(reseller, reseller.company_name)


def _reseller_form(reseller: Reseller, title: str):
    form = ResellerForm(obj=reseller)
    if form.validate_on_submit():
        if answer := unconfirmed(consequences.deactivate_reseller(reseller, form.active.data)):
            return answer
        try:
            services.save_reseller(reseller, form.data, current_user._get_current_object())
        except services.MpnTaken as taken:
            form.mpn_id.errors.append(str(taken))
        else:
            flash(_saved(reseller), "success")
            return redirect(url_for("admin.reseller_edit", reseller_id=reseller.id))
    status = 422 if form.errors else 200
    return render_template("admin/reseller_form.html", form=form, reseller=reseller,
                           title=title), status


def _saved(reseller: Reseller) -> str:
    if reseller.active:
        return sentence(f"Saved {reseller.company_name}")
    return (f"Saved {reseller.company_name} as inactive: its users and its customers' users "
            "are signed out, their API tokens revoked and their open invitations ended.")


# K9, as Partner Center answered the check the admin asked for.
STANDING = {MpaStatus.VERIFIED: "Microsoft verifies the MPN ID and the Microsoft Partner "
                                "Agreement: {name} can order.",
            MpaStatus.NOT_ACCEPTED: "Microsoft does not show the Microsoft Partner Agreement "
                                    "as accepted by {name}: its orders are refused until it is.",
            MpaStatus.INVALID_MPN: "Microsoft does not know the MPN ID of {name}: correct it "
                                   "above, then check again."}
NO_ANSWER = ("Partner Center did not answer; the standing shown is its last answer. Try "
             "again in a few minutes.")


@bp.post("/resellers/<int:reseller_id>/standing")
@admin_only
def reseller_standing(reseller_id: int):
    """K9 on demand: ask Partner Center now (the form records no standing of its own)."""
    reseller = db.session.get(Reseller, reseller_id) or abort(404)
    check_with_microsoft(reseller, STANDING, NO_ANSWER)
    return redirect(url_for("admin.reseller_edit", reseller_id=reseller.id) + "#standing")


@bp.route("/resellers/<int:reseller_id>/users/new", methods=["GET", "POST"])
@admin_only
def reseller_user_new(reseller_id: int):
    """Invite a user to the reseller: as from its team page, the invitee proves its address
    and chooses its own password from the emailed link."""
    reseller = db.session.get(Reseller, reseller_id) or abort(404)
    form, status, headers = InviteForm(), 200, {}
    if form.validate_on_submit():
        refused = send_invitation(team.Company(reseller=reseller), form)
        if refused is None:
            return redirect(url_for("admin.reseller_edit", reseller_id=reseller.id))
        status, headers = refused
    elif form.errors:
        status = 422
    return render_template("admin/user_form.html", form=form, reseller=reseller), status, \
        headers


@bp.route("/users/<int:user_id>/admin-agent", methods=["POST"])
@admin_only
def user_admin_agent(user_id: int):
    """S4/S7: grant or withdraw the admin-agent permission (cancel, reveal keys)."""
    user = db.session.get(User, user_id) or abort(404)
    on = request.form.get("admin_agent") == "on"
    if page := unconfirmed(None if on else consequences.withdraw_admin_agent(user)):
        return page
    ended = services.set_admin_agent(user, on, current_user._get_current_object())
    flash(f"{user.email} {'is now' if user.admin_agent else 'is no longer'} an admin agent."
          f"{invitations_ended(ended, making_agent=True)}", "success")
    return _owner_page(user)


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@admin_only
def user_active(user_id: int):
    """Deactivate a user (its sessions and API tokens end for good) or reactivate it."""
    user = db.session.get(User, user_id) or abort(404)
    on = {"on": True, "off": False}.get(request.form.get("active", ""))
    if on is None:
        abort(400, "Send active=on or active=off.")
    if user.id == current_user.id:
        flash("You cannot deactivate your own account; ask another administrator.", "error")
        return _owner_page(user)
    if page := unconfirmed(None if on or not user.active else consequences.deactivate_user(user)):
        return page
    ended = team.set_active(current_user._get_current_object(), user, on, utcnow())
    flash(activation_said(user, on, ended), "success")
    return _owner_page(user)


@bp.route("/users/<int:user_id>/mfa-reset", methods=["POST"])
@admin_only
def user_mfa_reset(user_id: int):
    """Take away the second factor of a user who lost its authenticator and recovery
    codes, so it can enrol a new one (confirmed, logged, the user emailed)."""
    user = db.session.get(User, user_id) or abort(404)
    if not user.mfa_enabled:
        abort(404)
    if user.id == current_user.id:
        flash("You cannot reset your own two-factor sign-in: replace your authenticator "
              "from your account page, or ask another provider administrator.", "error")
        return _owner_page(user)
    if page := unconfirmed(consequences.reset_mfa(user)):
        return page
    services.reset_two_factor(user, current_user._get_current_object(), utcnow(),
                              notifications.email)
    flash(f"{user.email}'s two-factor sign-in is reset and it is signed out everywhere; it "
          "sets up a new authenticator at its next sign-in.", "success")
    return _owner_page(user)


def _owner_page(user: User):
    """Back to the page that lists the user: its company's or its reseller's."""
    if user.customer_id:
        return redirect(url_for("admin.customer_edit", customer_id=user.customer_id))
    if user.reseller_id:
        return redirect(url_for("admin.reseller_edit", reseller_id=user.reseller_id))
    return redirect(url_for("admin.resellers"))


@bp.route("/customers")
@admin_only
def customers():
    """Every customer: filter by reseller (or direct), search, sort, page, CSV."""
    view, query = customer_listing("admin.customers", select(Customer), by_reseller=True)
    if view.wants_csv:
        return csv_download("all-customers.csv", CUSTOMER_CSV_HEADER,
                            lambda: map(customer_row, db.session.scalars(query)))
    resellers = db.session.scalars(select(Reseller).order_by(Reseller.company_name)).all()
    return render_template("admin/customers.html", page=page_of(query, view), view=view,
                           resellers=resellers)


@bp.route("/customers/<int:customer_id>", methods=["GET", "POST"])
@admin_only
def customer_edit(customer_id: int):
    customer = db.session.get(Customer, customer_id) or abort(404)
    form = AdminCustomerForm(obj=customer)
    if request.method == "GET":
        form.qualifications.data = sorted(customer.approved_segments())
    if form.validate_on_submit():
        services.save_customer(customer, form.data, reseller_id=customer.reseller_id)
        flash(sentence(f"Saved {customer.company_name}"), "success")
        return redirect(url_for("admin.customer_edit", customer_id=customer.id))
    status = 422 if form.errors else 200
    return render_template("customers/form.html", form=form, customer=customer,
                           title=customer.company_name, admin=True,
                           **bought_by(customer)), status


@bp.post("/customers/<int:customer_id>/active")
@admin_only
def customer_active(customer_id: int):
    """Deactivate a direct customer (its users shut out, its sessions, API tokens and open
    invitations ended for good, its orders refused) or reactivate it."""
    customer = db.session.get(Customer, customer_id) or abort(404)
    on = {"on": True, "off": False}.get(request.form.get("active", ""))
    if on is None:
        abort(400, "Send active=on or active=off.")
    if not customer.is_direct:
        return render_error(409, "Only a direct customer is deactivated here",
                            services.not_direct(customer))
    if page := unconfirmed(None if on else consequences.deactivate_customer(customer)):
        return page
    ended = services.set_customer_active(customer, on, current_user._get_current_object(),
                                         utcnow())
    flash(_customer_said(customer, ended), "success")
    return redirect(url_for("admin.customer_edit", customer_id=customer.id))


def _customer_said(customer: Customer, ended: int) -> str:
    if customer.active:
        return (f"{customer.company_name} is active again: its users sign in afresh and "
                "it can order.")
    return (f"{customer.company_name} is deactivated: its users are signed out, its API "
            f"tokens revoked and {counted(ended, 'open invitation')} ended; its "
            "subscriptions in Partner Center are unchanged.")


@bp.route("/mca")
@admin_only
def mca_ledger():
    """K5: the append-only MCA acceptance log, filtered by customer and date; CSV export."""
    q = request.args.get("q", "").strip()
    start, end = request.args.get("from", ""), request.args.get("to", "")
    query = select(McaAcceptance).join(Customer).order_by(McaAcceptance.id.desc())
    if q:
        query = query.where(name_contains(q))
    query = _date_range(query, start, end)
    if request.args.get("format") == "csv":
        return stream_download("mca-ledger.csv", lambda: export_csv(db.session.scalars(query)))
    return render_template("admin/mca.html", page=paginate(query), q=q, start=start, end=end,
                           report=verify_configured(current_app.config), head=_latest_head())


def _latest_head() -> heads.HeadCheck | None:
    """The newest signed head statement compared with the ledger, if one was written."""
    config = current_app.config
    path = heads.latest(Path(config["MCA_HEAD_DIR"]))
    return heads.check(path, from_config(config)) if path else None


def _date_range(query, start: str, end: str):
    """Keep rows recorded between two ISO dates (inclusive); bad dates are ignored."""
    for value, compare in ((start, lambda d: McaAcceptance.recorded_at >= d),
                           (end, lambda d: McaAcceptance.recorded_at < d + timedelta(days=1))):
        try:
            query = query.where(compare(datetime.combine(date.fromisoformat(value), time())))
        except ValueError:
            continue
    return query


LIST_TITLES = {"k3": "K3 · Tax ID (INN) required", "k10": "K10 · No Azure reservations"}


@bp.route("/country-lists", methods=["GET", "POST"])
@admin_only
def country_lists_page():
    """The K3 and K10 country lists are data the provider maintains, not code."""
    country_lists.ensure_seeded()
    form = CountryEntryForm()
    if form.validate_on_submit():
        error = _add_country(form)
        if error is None:
            return redirect(url_for("admin.country_lists_page") + f"#{form.list_name.data}")
        form.code.errors.append(error)
    lists = {name: country_lists.entries(name) for name in LIST_TITLES}
    return render_template("admin/country_lists.html", lists=lists, titles=LIST_TITLES,
                           form=form, tax_format=_tax_format), 422 if form.errors else 200


def _tax_format(entry) -> str:
    """How checkout checks a K3 country's tax ID, in words; a format name checkout does not
    know (typed before the form offered a choice) is named so the admin can replace it."""
    if not known_format(entry.validator):
        return (f"Unknown format {entry.validator!r}: checkout uses the country's own "
                f"({describe(entry.code)}); remove the country and add it again with a format "
                "from the list to choose another.")
    return describe(entry.code, entry.validator or None)


def _add_country(form) -> str | None:
    code = form.code.data.strip().upper()
    name = next((label for value, label in form.country_options() if value == code), None)
    if name is None:
        return "Unknown country code."
    error = country_lists.add_entry(form.list_name.data, code, name,
                                    form.required_from.data, form.validator.data)
    if error is not None:
        return error
    flash(f"{name} added to {LIST_TITLES[form.list_name.data]}.", "success")
    return None


@bp.route("/country-lists/<int:entry_id>/delete", methods=["POST"])
@admin_only
def country_list_remove(entry_id: int):
    entry = db.session.get(CountryListEntry, entry_id) or abort(404)
    if page := unconfirmed(consequences.remove_country(entry, LIST_TITLES[entry.list_name])):
        return page
    country_lists.remove_entry(entry)
    flash(f"{entry.name} removed from {LIST_TITLES[entry.list_name]}.", "info")
    return redirect(url_for("admin.country_lists_page") + f"#{entry.list_name}")


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
