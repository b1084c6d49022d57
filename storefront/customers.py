"""End customers: a reseller's sub-customers, and a direct customer's own company page."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from accounts import services
from accounts.models import Customer, Role
from accounts.scoping import visible_customers
from connectors.partner_center.app_client import get_client
from orders import listing
from orders.models import Order
from orders.placement import record_problems
from persistence import db
from storefront import tables
from storefront.fix_links import fix_urls
from storefront.forms import CustomerForm
from storefront.security import customer_for, is_safe_next, roles_required
from subscriptions.azure_plan import azure_plan_view
from subscriptions.models import Subscription

bp = Blueprint("customers", __name__)
reseller_only = roles_required(Role.RESELLER_USER)
customer_only = roles_required(Role.CUSTOMER_USER)


@bp.route("/customers")
@reseller_only
def index():
    """The reseller's customers: search, sort, page, and download the rows as CSV."""
    view, query = customer_listing("customers.index", visible_customers(current_user))
    if view.wants_csv:
        return tables.csv_download("customers.csv", CUSTOMER_CSV_HEADER,
                                   lambda: map(customer_row, db.session.scalars(query)))
    return render_template("customers/index.html", page=tables.page_of(query, view), view=view)


def customer_listing(endpoint: str, scoped, by_reseller: bool = False):
    """The customer list's view and query, narrowed within `scoped` by the filters; with
    `by_reseller` (the admin's list), ?reseller= is a reseller's id, "direct" or "resold"
    (every reseller's end customers)."""
    view = tables.listing(endpoint, listing.CUSTOMER_SORTS, "company", False,
                          ("q", "reseller") if by_reseller else ("q",))
    kind = view.filters["reseller"] if by_reseller else ""
    reseller_id = (tables.int_filter(view, "reseller")
                   if by_reseller and kind not in ("direct", "resold") else None)
    query = listing.filter_customers(scoped.options(selectinload(Customer.reseller)),
                                     reseller_id=reseller_id, direct=kind == "direct",
                                     resold=kind == "resold", q=view.filters["q"])
    return view, listing.sort_customers(query, view.sort, view.descending)


CUSTOMER_CSV_HEADER = ("Company", "Contact", "Email", "Country", "Reseller", "Tenant")


def customer_row(customer: Customer) -> tuple:
    return (customer.company_name,
            f"{customer.contact_first_name} {customer.contact_last_name}".strip(),
            customer.email, customer.country,
            customer.reseller.company_name if customer.reseller else "direct",
            customer.tenant_domain or customer.tenant_id or (
                f"{customer.domain_prefix}.onmicrosoft.com" if customer.domain_prefix else ""))


@bp.route("/customers/new", methods=["GET", "POST"])
@reseller_only
def new():
    return _customer_form(Customer(tenant_mode="new"), "New customer")


@bp.route("/customers/<int:customer_id>")
@reseller_only
def show(customer_id: int):
    customer = customer_for(current_user, customer_id)
    return render_template("customers/show.html", customer=customer,
                           record_problems=_record_problems(customer),
                           **bought_by(customer))


LATEST = 10


def _count(query) -> int:
    return db.session.scalar(select(func.count()).select_from(query.subquery()))


def bought_by(customer: Customer) -> dict:
    """The customer's latest subscriptions and orders, and how many of each, for its page
    (the caller has already checked the viewer may see this customer)."""
    subs = select(Subscription).where(Subscription.customer_id == customer.id)
    orders = select(Order).where(Order.customer_id == customer.id)
    return {"subscriptions": db.session.scalars(subs.order_by(Subscription.purchased_at.desc(),
                                                               Subscription.id.desc())
                                                .limit(LATEST)).all(),
            "subscription_count": _count(subs),
            "orders": db.session.scalars(orders.order_by(Order.created_at.desc(), Order.id.desc())
                                         .limit(LATEST)).all(),
            "order_count": _count(orders),
            # K12: its Azure plan and the plan's Azure subscriptions, read from Partner Center
            "azure": azure_plan_view(customer.id, get_client())}


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
                           record_problems=_record_problems(customer),
                           **bought_by(customer)), status


def _back(default: str):
    """After a save: back where the edit was opened from (the cart's fix links say so in
    ?next=, which the form keeps by posting to its own URL), else the record's page."""
    target = request.args.get("next")
    return redirect(target if is_safe_next(target) else default)
