"""Enrollment pages: everyone reads their own; each acts as commitments.assists allows (the
provider decides, the partner reseller assists, the customer's Account Owners confirm)."""

from __future__ import annotations

from datetime import date
from functools import partial

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from accounts.models import Customer
from accounts.scoping import visible_customers
from commitments.enrollment import Status
from commitments.problems import CommitmentRefused, Problem
from commitments.records import services
from commitments.records.models import Enrollment
from persistence import db
from storefront.enrollments import assist_forms, forms, partner_terms, presenter, usage_presenter
from storefront.enrollments.acting import allowed
from storefront.errors import respond_to_refusal
from storefront.forms import options
from storefront.pagination import paginate
from storefront.security import admin_only
from storefront.templating import sentence

bp = Blueprint("enrollments", __name__)
FORM_CLASSES = {
    "sign": forms.SignForm, "status": forms.StatusForm, "credit": forms.CreditCheckForm,
    "order": forms.OrderForm, "usage": forms.UsageForm, "settlement": forms.SettlementForm,
    "account": forms.AccountForm, "subscription": forms.SubscriptionForm,
    "paid": forms.PaidForm,
}


def today() -> date:
    """The business day the page acts on (the domain itself never reads the clock)."""
    return date.today()


def visible_enrollments(user):
    """A select() of the enrollments of customers this user may see."""
    customer_ids = visible_customers(user).with_only_columns(Customer.id)
    return select(Enrollment).where(Enrollment.customer_id.in_(customer_ids))


def enrollment_for(user, enrollment_id: int) -> Enrollment:
    """An enrollment the user may see, or 404 (never 403: others' ids leak nothing)."""
    query = visible_enrollments(user).where(Enrollment.id == enrollment_id)
    row = db.session.scalars(query).first()
    if row is None:
        abort(404)
    return row


@bp.route("/enrollments")
@login_required
def index():
    status = request.args.get("status", "")
    query = visible_enrollments(current_user).order_by(Enrollment.number.desc())
    if status in {s.value for s in Status}:
        query = query.where(Enrollment.status == status)
    return render_template("enrollments/index.html", page=paginate(query), status=status,
                           statuses=list(Status))


def _new_refused(form, error: CommitmentRefused, fields: dict[str, str]):
    attach_problems(form, error.problems, fields)
    return render_template("enrollments/new.html", form=form), 422


@bp.route("/admin/enrollments/new", methods=["GET", "POST"])
@admin_only
def new():
    form = forms.EnrollmentForm()
    customers = db.session.scalars(select(Customer).order_by(Customer.company_name))
    form.customer_id.choices = options([(0, "Choose a customer…")] + [
        (c.id, c.company_name + (f" ({c.reseller.company_name})" if c.reseller else " (direct)"))
        for c in customers
    ])
    if form.validate_on_submit():
        customer = db.session.get(Customer, form.customer_id.data) or abort(404)
        try:
            row = services.create_enrollment(customer, form.start.data, form.extended_term.data,
                                             org_id=form.org_id.data)
        except CommitmentRefused as error:
            # O1 eligibility: the customer record is what to fix, so show it by the customer.
            fields = {"country": "customer_id", "tax_id": "customer_id"}
            return respond_to_refusal(error, partial(_new_refused, form, error, fields))
        flash(sentence(f"Enrollment {row.number} created for {customer.company_name}"), "success")
        return redirect(url_for("enrollments.show", enrollment_id=row.id))
    status = 422 if form.errors else 200
    return render_template("enrollments/new.html", form=form), status


def page_forms(row: Enrollment, **given) -> dict:
    """Every form of the enrollment page; a submitted one keeps its values and errors."""
    built = {name: given.get(name) or cls(formdata=None) for name, cls in FORM_CLASSES.items()}
    built["sign"].signed_on.data = built["sign"].signed_on.data or today()
    built["usage"].used_on.data = built["usage"].used_on.data or today()
    built["subscription"].account_id.choices = options((a.id, a.name) for a in row.accounts)
    built["usage"].meter.choices = partner_terms.meter_choices(row)
    built["usage"].usage_subscription.choices = usage_presenter.subscription_choices(row)
    built["settlement"].offset_order.choices = forms.offset_order_choices(row.orders)
    return assist_forms.fill_choices(row, built)


def attach_problems(form, problems: tuple[Problem, ...], field_map: dict[str, str]) -> None:
    """Put each problem beside its field (with its code), or at the top of the form."""
    for found in problems:
        text = f"{found.message} ({found.code})"
        name = field_map.get(found.field or "", found.field or "")
        if name in form._fields and name != "csrf_token":
            form[name].errors = [*form[name].errors, text]
        else:
            form.form_errors.append(text)


def render_show(
    row: Enrollment, code: int = 200, problems: tuple[Problem, ...] = (), given: dict | None = None
):
    """The enrollment page; `given` holds a submitted form to show with its values and errors."""
    values = presenter.page(row, today())
    admin = current_user.is_provider_admin
    acts = bool(allowed(current_user, row))  # O6: the partner and the customer act too
    return render_template("enrollments/show.html", row=row, admin=admin, problems=problems,
                           problem_fields={p.field for p in problems},
                           forms=page_forms(row, **(given or {})) if acts else {},
                           **assist_forms.page(row, current_user, given or {}),
                           **partner_terms.page(row, current_user, given or {}),
                           **usage_presenter.page(row, today()),
                           **values), code


def refused(row: Enrollment, name: str, form, error: CommitmentRefused):
    """Re-render the page with the submitted form and the domain's problems (422)."""
    attach_problems(form, error.problems, forms.FIELD_MAP.get(name, {}))
    return render_show(row, 422, error.problems, {name: form})


@bp.route("/enrollments/<int:enrollment_id>")
@login_required
def show(enrollment_id: int):
    return render_show(enrollment_for(current_user, enrollment_id))
