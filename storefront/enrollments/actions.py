"""The provider admin's actions on an enrollment page; each redirects back on success and
re-renders the page with the problems beside their fields (422) on refusal."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_login import current_user

from commitments.enrollment import Document, Status, SuspensionReason
from commitments.orders import Approval, OrderKind
from commitments.problems import CommitmentRefused
from storefront.enrollments import services
from storefront.enrollments.views import (
    FORM_CLASSES,
    admin_only,
    bp,
    enrollment_for,
    refused,
    render_show,
    today,
)
from storefront.forms import options


def _back(row, message: str):
    flash(message, "success")
    return redirect(url_for("enrollments.show", enrollment_id=row.id))


def _submitted(row, name: str):
    """The named page form bound to the submitted request, with the page's choices."""
    form = FORM_CLASSES[name]()
    if name == "subscription":
        form.account_id.choices = options((a.id, a.name) for a in row.accounts)
    return form


def _invalid(row, name: str, form):
    return render_show(row, 422, given={name: form})


@bp.route("/admin/enrollments/<int:enrollment_id>/sign", methods=["POST"])
@admin_only
def sign(enrollment_id: int):
    row = enrollment_for(current_user, enrollment_id)
    form = _submitted(row, "sign")
    if not form.validate_on_submit():
        return _invalid(row, "sign", form)
    document = Document(form.document.data)
    services.sign_document(row, document, form.signed_by.data, form.signed_on.data, current_user)
    return _back(row, f"Recorded the signed {document.value.replace('_', ' ')}.")


@bp.route("/admin/enrollments/<int:enrollment_id>/status", methods=["POST"])
@admin_only
def transition(enrollment_id: int):
    row = enrollment_for(current_user, enrollment_id)
    form = _submitted(row, "status")
    if not form.validate_on_submit():
        return _invalid(row, "status", form)
    reason = SuspensionReason(form.reason.data) if form.reason.data else None
    try:
        services.change_status(row, Status(form.target.data), today(), reason=reason,
                               resolved_on=form.resolved_on.data)
    except CommitmentRefused as error:
        return refused(row, "status", form, error)
    return _back(row, f"Enrollment {row.number} is now {row.status.replace('_', ' ')}.")


@bp.route("/admin/enrollments/<int:enrollment_id>/credit-checks", methods=["POST"])
@admin_only
def credit_check(enrollment_id: int):
    row = enrollment_for(current_user, enrollment_id)
    form = _submitted(row, "credit")
    if not form.validate_on_submit():
        return _invalid(row, "credit", form)
    passed = form.check_passed.data == "yes"
    services.record_credit_check(row, form.check_year.data, passed, form.check_note.data or "",
                                 today(), current_user)
    return _back(row, f"Credit check for year {form.check_year.data} recorded.")


@bp.route("/admin/enrollments/<int:enrollment_id>/orders", methods=["POST"])
@admin_only
def order(enrollment_id: int):
    row = enrollment_for(current_user, enrollment_id)
    form = _submitted(row, "order")
    if not form.validate_on_submit():
        return _invalid(row, "order", form)
    approval = None
    if form.approved_by.data and form.approved_on.data:
        approval = Approval(form.approved_by.data.strip(), form.approved_on.data)
    try:
        saved = services.place_commitment_order(
            row, OrderKind(form.order_kind.data), form.order_year.data, form.order_amount.data,
            today(), current_user, late_entry=form.late_entry.data, approval=approval)
    except CommitmentRefused as error:
        return refused(row, "order", form, error)
    return _back(row, f"{saved.kind.title()} order for year {saved.year} placed.")


@bp.route("/admin/enrollments/<int:enrollment_id>/usage", methods=["POST"])
@admin_only
def usage(enrollment_id: int):
    row = enrollment_for(current_user, enrollment_id)
    form = _submitted(row, "usage")
    if not form.validate_on_submit():
        return _invalid(row, "usage", form)
    if form.used_on.data > today():
        form.used_on.errors = ["Usage cannot be recorded for a future day."]
        return _invalid(row, "usage", form)
    try:
        sent = services.record_usage(row, form.used_on.data, form.meter.data or "",
                                     form.quantity.data, form.unit_price.data, today(),
                                     current_user)
    except CommitmentRefused as error:
        return refused(row, "usage", form, error)
    notices = "".join(f" {n.key.detail}% notice sent." for n in sent)
    return _back(row, f"Usage recorded.{notices}")


@bp.route("/admin/enrollments/<int:enrollment_id>/settlements", methods=["POST"])
@admin_only
def settlement(enrollment_id: int):
    row = enrollment_for(current_user, enrollment_id)
    form = _submitted(row, "settlement")
    if not form.validate_on_submit():
        return _invalid(row, "settlement", form)
    services.record_settlement(row, form.settle_month.data, form.responded_on.data,
                               form.settled_on.data)
    return _back(row, f"Overage answer for {form.settle_month.data:%Y-%m} recorded.")


@bp.route("/admin/enrollments/<int:enrollment_id>/accounts", methods=["POST"])
@admin_only
def account(enrollment_id: int):
    row = enrollment_for(current_user, enrollment_id)
    form = _submitted(row, "account")
    if not form.validate_on_submit():
        return _invalid(row, "account", form)
    if form.account_name.data.strip() in {a.name for a in row.accounts}:
        form.account_name.errors = ["This enrollment already has an account of that name."]
        return _invalid(row, "account", form)
    created = services.add_account(row, form.account_name.data, form.account_owner.data)
    return _back(row, f"Account {created.name} added.")


@bp.route("/admin/enrollments/<int:enrollment_id>/subscriptions", methods=["POST"])
@admin_only
def subscription(enrollment_id: int):
    row = enrollment_for(current_user, enrollment_id)
    form = _submitted(row, "subscription")
    if not form.validate_on_submit():
        return _invalid(row, "subscription", form)
    account = next(a for a in row.accounts if a.id == form.account_id.data)
    try:
        services.add_subscription(account, form.subscription_id.data)
    except CommitmentRefused as error:
        return refused(row, "subscription", form, error)
    return _back(row, f"Subscription added to {account.name}.")


@bp.route("/admin/enrollments/<int:enrollment_id>/invoices/paid", methods=["POST"])
@admin_only
def invoice_paid(enrollment_id: int):
    row = enrollment_for(current_user, enrollment_id)
    form = _submitted(row, "paid")
    if not form.validate_on_submit():
        return _invalid(row, "paid", form)
    invoice = next((i for i in row.invoices if i.id == form.invoice_id.data), None)
    if invoice is None:
        abort(404)
    services.mark_invoice_paid(invoice, form.paid_on.data)
    return _back(row, f"Invoice {invoice.number} marked paid.")

