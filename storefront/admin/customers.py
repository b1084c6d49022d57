"""Provider-admin pages: every customer, its details and (direct ones) its access."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from accounts import services
from accounts.models import Customer, Reseller
from catalog.price_words import counted
from persistence import db, utcnow
from storefront import access_consequences
from storefront.admin import bp
from storefront.confirmation import unconfirmed
from storefront.customers import CUSTOMER_CSV_HEADER, bought_by, customer_listing, customer_row
from storefront.errors import render_error
from storefront.forms import AdminCustomerForm
from storefront.security import admin_only
from storefront.tables import csv_download, page_of
from storefront.templating import sentence


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
    if page := unconfirmed(None if on else access_consequences.deactivate_customer(customer)):
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
