"""Provider-admin pages: resellers, their users' invitations, roles and access."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import or_, select

import notifications
from accounts import services, team
from accounts.models import MpaStatus, Reseller, User
from persistence import db, utcnow
from persistence.search import contains
from storefront import access_consequences
from storefront.admin import bp
from storefront.confirmation import unconfirmed
from storefront.forms import ResellerForm
from storefront.main import check_with_microsoft
from storefront.pagination import paginate
from storefront.security import admin_only
from storefront.team import activation_said, invitations_ended, send_invitation
from storefront.team_forms import InviteForm
from storefront.templating import sentence


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
        ending = access_consequences.deactivate_reseller(reseller, form.active.data)
        if answer := unconfirmed(ending):
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
    if page := unconfirmed(None if on else access_consequences.withdraw_admin_agent(user)):
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
    ending = None if on or not user.active else access_consequences.deactivate_user(user)
    if page := unconfirmed(ending):
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
    if page := unconfirmed(access_consequences.reset_mfa(user)):
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
