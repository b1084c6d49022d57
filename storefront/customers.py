"""End customers: a reseller's sub-customers, and a direct customer's own company page."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from accounts import services
from accounts.models import Customer, Role
from accounts.scoping import name_contains, visible_customers
from orders.placement import record_problems
from storefront.fix_links import fix_urls
from storefront.forms import CustomerForm
from storefront.pagination import paginate
from storefront.security import customer_for, is_safe_next, roles_required

bp = Blueprint("customers", __name__)
reseller_only = roles_required(Role.RESELLER_USER)
customer_only = roles_required(Role.CUSTOMER_USER)


@bp.route("/customers")
@reseller_only
def index():
    q = request.args.get("q", "").strip()
    query = visible_customers(current_user).order_by(Customer.company_name)
    if q:
        query = query.where(name_contains(q))
    return render_template("customers/index.html", page=paginate(query), q=q)


@bp.route("/customers/new", methods=["GET", "POST"])
@reseller_only
def new():
    return _customer_form(Customer(tenant_mode="new"), "New customer")


@bp.route("/customers/<int:customer_id>")
@reseller_only
def show(customer_id: int):
    customer = customer_for(current_user, customer_id)
    return render_template("customers/show.html", customer=customer,
                           record_problems=_record_problems(customer))


def _record_problems(customer: Customer):
    """What checkout will refuse about the saved record (K1-K4), shown before any cart."""
    return record_problems(customer, datetime.now(UTC).date(), fix_urls(customer))


@bp.route("/customers/<int:customer_id>/edit", methods=["GET", "POST"])
@reseller_only
def edit(customer_id: int):
    customer = customer_for(current_user, customer_id)
    return _customer_form(customer, f"Edit {customer.company_name}")


def _customer_form(customer: Customer, title: str):
    form = CustomerForm(obj=customer)
    if form.validate_on_submit():
        services.save_customer(customer, form.data, reseller_id=current_user.reseller_id)
        flash(f"{customer.company_name} is saved.", "success")
        return _back(url_for("customers.show", customer_id=customer.id))
    status = 422 if form.errors else 200
    return render_template("customers/form.html", form=form, customer=customer,
                           title=title), status


@bp.route("/company", methods=["GET", "POST"])
@customer_only
def company():
    """A direct customer's own company and billing address."""
    customer = customer_for(current_user, current_user.customer_id)
    form = CustomerForm(obj=customer)
    if form.validate_on_submit():
        services.save_customer(customer, form.data, reseller_id=customer.reseller_id)
        flash("Your company details are saved.", "success")
        return _back(url_for("customers.company"))
    status = 422 if form.errors else 200
    return render_template("customers/company.html", form=form, customer=customer,
                           record_problems=_record_problems(customer)), status


def _back(default: str):
    """After a save: back where the edit was opened from (the cart's fix links say so in
    ?next=, which the form keeps by posting to its own URL), else the record's page."""
    target = request.args.get("next")
    return redirect(target if is_safe_next(target) else default)
