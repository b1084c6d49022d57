"""Sandbox-only buttons that play the customer's side, so the demo (and a provider trying
the storefront) can watch a tenant move from unverified to verified and a GDAP request
from pending to active. Registered only when PARTNER_CENTER_MODE is "sandbox": they call
the sandbox's /_sandbox controls, which Microsoft's real services do not have."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import requests
from flask import Blueprint, abort, flash, redirect, url_for
from flask_login import current_user

from accounts.models import Customer, Role
from checkout.fetch import confirm_tenant
from connectors.graph.app_client import get_graph_client
from connectors.partner_center.app_client import get_client
from persistence import as_utc, db
from relationships.services import delegated_admin, latest
from storefront.fix_links import tenant_url
from storefront.security import customer_for, roles_required
from subscriptions.models import Subscription
from subscriptions.sync import sync_customer

bp = Blueprint("sandbox_demo", __name__, url_prefix="/sandbox")
anyone = roles_required(Role.PROVIDER_ADMIN, Role.RESELLER_USER, Role.CUSTOMER_USER)


def _control(path: str, body: dict | None = None) -> bool:
    """POST one /_sandbox control on the sandbox the app's client talks to."""
    try:
        answer = requests.post(f"{get_client().base_url}/_sandbox{path}", json=body or {},
                               timeout=5)
    except requests.RequestException:
        return False
    return answer.status_code < 300


@bp.route("/customers/<int:customer_id>/accept-invitation", methods=["POST"])
@anyone
def accept_invitation(customer_id: int):
    """The tenant's global admin accepts the reseller's invitation (sandbox)."""
    customer = _customer(customer_id)
    reseller = customer.reseller
    if reseller is None or not reseller.tenant_id or not customer.tenant_ref:
        return redirect(tenant_url(customer))
    if _control(f"/customers/{customer.tenant_ref}/accept-reseller",
                {"reseller": reseller.tenant_id}):
        confirm_tenant(get_client(), customer, datetime.now(UTC))
        flash("Sandbox: the tenant's admin accepted the invitation.", "success")
    else:
        flash("Sandbox: the invitation could not be accepted (is the tenant known to the "
              "sandbox?).", "error")
    return redirect(tenant_url(customer))


@bp.route("/customers/<int:customer_id>/approve-gdap", methods=["POST"])
@anyone
def approve_gdap(customer_id: int):
    """The tenant's global admin approves the pending GDAP request (sandbox)."""
    customer = _customer(customer_id)
    row = latest(customer)
    if row is not None and _control(f"/gdap/{row.relationship_id}/approve"):
        delegated_admin(customer, get_graph_client(), datetime.now(UTC))
        flash("Sandbox: the tenant's admin approved delegated admin.", "success")
    else:
        flash("Sandbox: there is no pending request to approve.", "error")
    return redirect(tenant_url(customer))


@bp.route("/subscriptions/<int:subscription_id>/renew", methods=["POST"])
@roles_required(Role.PROVIDER_ADMIN)
def renew(subscription_id: int):
    """Move the sandbox's clock just past this term's end, then sync: Microsoft's renewal
    (or expiry) shows, with any change scheduled for it applied (R1, R3)."""
    sub = db.session.get(Subscription, subscription_id) or abort(404)
    end = as_utc(sub.term_end)
    if end is not None and _control("/clock", {"now": (end + timedelta(minutes=1))
                                               .isoformat()}):
        sync_customer(sub.customer, get_client())
        db.session.commit()
        flash("Sandbox: Microsoft's clock is now past this term's end (for every sandbox "
              "subscription).", "success")
    else:
        flash("Sandbox: the clock could not be moved.", "error")
    return redirect(url_for("subscriptions.show", subscription_id=sub.id))


def _customer(customer_id: int) -> Customer:
    if current_user.is_customer:
        return customer_for(current_user, current_user.customer_id)
    return customer_for(current_user, customer_id)
