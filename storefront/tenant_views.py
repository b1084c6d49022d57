"""K11: where a customer shows that it controls the existing Microsoft tenant it names.

A reseller sends the tenant's admin its relationship invitation and checks again once it
is accepted; a direct customer signs in with a work account of the tenant; the provider's
admin can confirm (or withdraw) the link after its own check. Nothing Partner Center
knows about the tenant is shown here: only whether control is shown, and how to show it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from accounts import tenant_proof
from accounts.models import Customer, Role, TenantSignIn
from checkout.fetch import confirm_tenant
from connectors.graph import GraphError
from connectors.graph.app_client import get_graph_client, get_sign_in_proof
from connectors.graph.signin import SignInError
from connectors.partner_center import PartnerCenterError
from connectors.partner_center.app_client import get_client
from persistence import db, row_id
from relationships.roles import name_of
from relationships.services import DelegatedAdmin, delegated_admin
from relationships.services import request as request_relationship
from storefront import consequences
from storefront.confirmation import unconfirmed
from storefront.fix_links import tenant_url
from storefront.security import admin_only, customer_for, roles_required

bp = Blueprint("tenants", __name__)
reseller_or_admin = roles_required(Role.RESELLER_USER, Role.PROVIDER_ADMIN)
customer_only = roles_required(Role.CUSTOMER_USER)


@bp.route("/customers/<int:customer_id>/tenant")
@reseller_or_admin
def show(customer_id: int):
    return _page(customer_for(current_user, customer_id))


@bp.route("/company/tenant")
@customer_only
def company():
    """A direct customer's own tenant page."""
    return _page(customer_for(current_user, current_user.customer_id))


def _page(customer: Customer):
    return render_template("tenants/show.html", customer=customer,
                           invitation=_invitation(customer), gdap=_gdap(customer),
                           role_name=name_of, proof=_proof(customer),
                           sandbox=current_app.config.get("PARTNER_CENTER_MODE") == "sandbox")


def _proof(customer: Customer):
    """The sign-in this page was sent back from (?proof=<id>), if it is this customer's."""
    proof = request.args.get("proof", "")
    if proof == "expired":
        return "expired"
    number = row_id(proof)
    row = db.session.get(TenantSignIn, number) if number is not None else None
    return row if row is not None and row.customer_id == customer.id else None


def _gdap(customer: Customer) -> DelegatedAdmin | None:
    """K4's GDAP facts for a tenant shown to be the customer's (read afresh when stale);
    nothing for a tenant not yet shown, which is not asked about."""
    if customer.tenant_mode != "existing" or not customer.tenant_verified:
        return None
    return delegated_admin(customer, get_graph_client(), datetime.now(UTC))


def _invitation(customer: Customer) -> str | None:
    """The reseller's relationship invitation for the tenant's admin, as Partner Center
    makes it; None for a direct customer, or while Partner Center cannot answer."""
    reseller = customer.reseller
    if customer.tenant_verified or reseller is None or not reseller.tenant_id:
        return None
    try:
        return get_client().get_relationship_request_url(indirect_reseller_id=reseller.tenant_id)
    except PartnerCenterError:
        return None


@bp.route("/customers/<int:customer_id>/tenant/check", methods=["POST"])
@reseller_or_admin
def check(customer_id: int):
    """Ask Partner Center again whether the tenant's admin accepted the reseller."""
    customer = customer_for(current_user, customer_id)
    if confirm_tenant(get_client(), customer, datetime.now(UTC)):
        flash("Microsoft lists the reseller for this tenant: orders can be placed.", "success")
    else:
        flash("Not confirmed yet: the tenant's admin has not accepted the invitation, or "
              "Microsoft has not recorded it yet. Try again later.", "info")
    return redirect(url_for("tenants.show", customer_id=customer.id))


@bp.route("/customers/<int:customer_id>/tenant/gdap", methods=["POST"])
@reseller_or_admin
def request_gdap(customer_id: int):
    return _request_gdap(customer_for(current_user, customer_id))


@bp.route("/company/tenant/gdap", methods=["POST"])
@customer_only
def company_gdap():
    return _request_gdap(customer_for(current_user, current_user.customer_id))


def _request_gdap(customer: Customer):
    """Ask the tenant for delegated admin (GDAP) with the roles the provider configured;
    the tenant's global admin approves it through the link shown."""
    back = tenant_url(customer)
    if customer.tenant_mode != "existing" or not customer.tenant_verified \
            or not customer.tenant_id:
        flash("Confirm the tenant first: delegated admin is asked only of a tenant shown to "
              "be the customer's, named by its tenant ID.", "error")
        return redirect(back)
    try:
        row = request_relationship(customer, get_graph_client(), datetime.now(UTC))
    except GraphError as error:
        flash(f"Microsoft did not take the request ({error}); nothing was changed. Try "
              "again in a few minutes.", "error")
        return redirect(back)
    flash("Delegated admin is requested. Send the tenant's global admin the approval link "
          "shown below.", "success")
    return redirect(back + f"#{row.relationship_id}")


@bp.route("/company/tenant/sign-in", methods=["POST"])
@customer_only
def sign_in():
    """K11 for a direct customer: sign in with a work account of the tenant it names."""
    customer = customer_for(current_user, current_user.customer_id)
    if customer.tenant_mode != "existing" or not customer.tenant_ref:
        return redirect(url_for("tenants.company"))
    try:
        url, flow = get_sign_in_proof().start(
            url_for("tenants.signed_in", _external=True),
            login_hint=request.form.get("account", "").strip()[:254] or None,
            tenant_id=customer.tenant_id or None)
    except SignInError as error:
        flash(f"Microsoft sign-in is not available just now ({error.code}); try again later.",
              "error")
        return redirect(url_for("tenants.company"))
    tenant_proof.start_tenant_sign_in(customer, current_user, flow["msal"]["state"],
                                  json.dumps(flow))
    return redirect(url)


@bp.route("/company/tenant/signed-in", methods=["POST"])
def signed_in():
    """Where Entra posts the answer (cross-site, so no session cookie and no CSRF token:
    the single-use state stored at the start stands for both). Touches no session."""
    now = datetime.now(UTC)
    row = tenant_proof.claim_tenant_sign_in(request.form.get("state", ""), now)
    if row is None:
        return redirect(url_for("tenants.company", proof="expired"))
    try:
        proven = get_sign_in_proof().finish(json.loads(row.flow), request.form)
    except SignInError as error:
        tenant_proof.finish_tenant_sign_in(row, tenant_id=None, username="", outcome=error.code,
                                       now=now)
        return redirect(url_for("tenants.company", proof=row.id))
    outcome = "verified" if _names_the_tenant(row.customer, proven) else "tenant_mismatch"
    tenant_proof.finish_tenant_sign_in(row, tenant_id=proven.tenant_id, username=proven.username,
                                   outcome=outcome, now=now)
    return redirect(url_for("tenants.company", proof=row.id))


def _names_the_tenant(customer: Customer, proven) -> bool:
    """The signed-in account's tenant is the one the customer names: by id, or (named by
    domain only) the account's domain is that domain."""
    if customer.tenant_id:
        return customer.tenant_id.lower() == proven.tenant_id.lower()
    domain = proven.username.rpartition("@")[2].lower()
    return bool(domain) and domain == (customer.tenant_domain or "").lower()


@bp.route("/customers/<int:customer_id>/tenant/approve", methods=["POST"])
@admin_only
def approve(customer_id: int):
    customer = customer_for(current_user, customer_id)
    tenant_proof.approve_tenant(customer, datetime.now(UTC))
    flash(f"The tenant link of {customer.company_name} is confirmed.", "success")
    return redirect(url_for("tenants.show", customer_id=customer.id))


@bp.route("/customers/<int:customer_id>/tenant/withdraw", methods=["POST"])
@admin_only
def withdraw(customer_id: int):
    customer = customer_for(current_user, customer_id)
    if page := unconfirmed(consequences.withdraw_tenant(customer)):
        return page
    tenant_proof.withdraw_tenant(customer)
    flash(f"The tenant link of {customer.company_name} is no longer confirmed.", "info")
    return redirect(url_for("tenants.show", customer_id=customer.id))
