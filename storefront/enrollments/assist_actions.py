"""The partner's assistance on the enrollment page (O6-O9): departments, roles and Org IDs,
co-admins, account ownership, one-way subscription conversion, renewal and reactivation
requests. Each is allowed by the table of commitments.assists, redirects back on success
and re-renders the page (422) with the problems beside their fields on refusal."""

from __future__ import annotations

from functools import partial, wraps

from flask import abort, flash, redirect, url_for
from flask_login import current_user, login_required

from commitments.accounts import kept_subscription_id
from commitments.assists import Action
from commitments.problems import CommitmentRefused
from commitments.records import assist_services
from commitments.roles import ROLE_LABELS, Administrator, AdminRole
from storefront import consequences
from storefront.confirmation import unconfirmed
from storefront.enrollments.acting import allowed
from storefront.enrollments.assist_forms import FIELD_MAP, FORMS, fill_choices
from storefront.enrollments.views import (
    attach_problems,
    bp,
    enrollment_for,
    render_show,
    today,
)
from storefront.errors import respond_to_refusal


def _refused(row, name: str, form, error: CommitmentRefused):
    attach_problems(form, error.problems, FIELD_MAP.get(name, {}))
    return render_show(row, 422, error.problems, {name: form})


def assist_action(path: str, form_name: str, action: Action):
    """Route one assistance action on /enrollments/<id>/<path> for those who may take it."""

    def decorator(run):
        @login_required
        @wraps(run)
        def view(enrollment_id: int):
            row = enrollment_for(current_user, enrollment_id)
            if action not in allowed(current_user, row):
                abort(403)
            form = fill_choices(row, {form_name: FORMS[form_name]()})[form_name]
            if not form.validate_on_submit():
                return render_show(row, 422, given={form_name: form})
            try:
                outcome = run(row, form)
            except CommitmentRefused as error:
                return respond_to_refusal(error, partial(_refused, row, form_name, form, error))
            if not isinstance(outcome, str):
                return outcome
            flash(outcome, "success")
            return redirect(url_for("enrollments.show", enrollment_id=row.id))

        bp.add_url_rule(f"/enrollments/<int:enrollment_id>/{path}", endpoint=run.__name__,
                        view_func=view, methods=["POST"])
        return view

    return decorator


def _account(row, account_id: int):
    return next((a for a in row.accounts if a.id == account_id), None) or abort(404)


@assist_action("departments", "department", Action.ADD_DEPARTMENT)
def add_department(row, form):
    created = assist_services.add_department(row, form.department_name.data)
    return f"Department {created.name} added."


@assist_action("administrators", "administrator", Action.ADD_ADMINISTRATOR)
def add_administrator(row, form):
    role = AdminRole(form.admin_role.data)
    new = Administrator(role, form.admin_org_id.data, form.admin_department.data or None,
                        form.admin_account.data or None, form.admin_subscription.data or None)
    saved = assist_services.add_administrator(row, new, today(), current_user)
    return f"{saved.org_id} is now {ROLE_LABELS[role]}."


@assist_action("co-admins", "co_admin", Action.ADD_CO_ADMIN)
def add_co_admin(row, form):
    account = _account(row, form.co_admin_account.data)
    saved = assist_services.add_co_admin(row, account, form.co_admin_added_by.data,
                                         form.co_admin_org_id.data, today(), current_user)
    return f"{saved.org_id} is now a co-admin (Account Owner) of {account.name}."


@assist_action("ownership", "ownership", Action.CONFIRM_ACCOUNT_OWNERSHIP)
def confirm_ownership(row, form):
    account = _account(row, form.owner_account.data)
    assist_services.confirm_ownership(account, form.owner_org_id.data, today(), current_user)
    return f"Account ownership of {account.name} confirmed: subscriptions may now convert."


@assist_action("conversions", "conversion", Action.CONVERT_SUBSCRIPTION)
def convert_subscription(row, form):
    account = _account(row, form.convert_account.data)
    # O7: a GUID only, refused before the one-way step is asked to be confirmed
    subscription_id = kept_subscription_id(form.convert_subscription_id.data or "")
    consequence = consequences.subscription_conversion(row, account.name, subscription_id)
    if page := unconfirmed(consequence):
        return page
    assist_services.convert_subscription(account, subscription_id, form.from_offer.data,
                                         today())
    return f"Subscription {subscription_id} converted into {account.name}; it bills here now."


@assist_action("renewal", "renew", Action.RENEW)
def renew(row, form):
    new = assist_services.renew_enrollment(row, today())
    flash(f"Renewal enrollment {new.number} starts on {new.start}, with the administrators, "
          "departments, accounts and subscriptions of " + row.number + ".", "success")
    return redirect(url_for("enrollments.show", enrollment_id=new.id))


@assist_action("reactivation-request", "reactivation_request", Action.REQUEST_REACTIVATION)
def request_reactivation(row, form):
    assist_services.request_reactivation(row, today(), current_user)
    return "Reactivation requested: the provider reactivates once payment or an order is in."
