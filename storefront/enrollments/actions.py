"""The actions on an enrollment page; each redirects back on success and re-renders the page
with the problems beside their fields (422) on refusal. Who may take which action is the
table of commitments.assists (O6, O8): the partner reseller assists, the provider decides."""

from __future__ import annotations

from functools import partial, wraps

from flask import abort, flash, redirect, url_for
from flask_login import current_user, login_required

from billing.payments import PaymentInput, record_payment
from billing.periods import BillingInputError
from commitments.assists import Action, action_problems
from commitments.enrollment import Document, Status, SuspensionReason
from commitments.notices import SettlementOption
from commitments.orders import Approval, OrderKind
from commitments.payment_terms import method_problems
from commitments.problems import CommitmentRefused, refuse_if_any
from commitments.records import assist_services, overage, services
from commitments.records.usage import find_subscription
from storefront import consequences
from storefront.confirmation import unconfirmed
from storefront.enrollments import (
    terms,  # noqa: F401 -- registers the partner's routes (O6)
    usage_presenter,
)
from storefront.enrollments.acting import ANY_STATUS_ACTION, actor_of, allowed, status_action
from storefront.enrollments.forms import offset_order_choices
from storefront.enrollments.partner_terms import meter_choices
from storefront.enrollments.views import (
    FORM_CLASSES,
    bp,
    enrollment_for,
    refused,
    render_show,
    today,
)
from storefront.errors import respond_to_refusal
from storefront.forms import options


def _back(row, message: str):
    flash(message, "success")
    return redirect(url_for("enrollments.show", enrollment_id=row.id))


def _submitted(row, name: str):
    """The named page form bound to the submitted request, with the page's choices."""
    form = FORM_CLASSES[name]()
    if name == "subscription":
        form.account_id.choices = options((a.id, a.name) for a in row.accounts)
    if name == "settlement":
        form.offset_order.choices = offset_order_choices(row.orders)
    if name == "usage":
        form.meter.choices = meter_choices(row)
        form.usage_subscription.choices = usage_presenter.subscription_choices(row)
    return form


def _invalid(row, name: str, form):
    return render_show(row, 422, given={name: form})


def enrollment_action(path: str, form_name: str, *actions: Action):
    """Route one action: load the enrollment (404 unless visible), allow it only to users
    who may take one of `actions` (403), validate its form, run it and redirect back with
    the message it returns; an invalid form or a rule's refusal re-renders the page (422)
    with the problems beside their fields."""

    def decorator(action):
        @login_required
        @wraps(action)
        def view(enrollment_id: int):
            row = enrollment_for(current_user, enrollment_id)
            if allowed(current_user, row).isdisjoint(actions):
                abort(403)
            form = _submitted(row, form_name)
            if not form.validate_on_submit():
                return _invalid(row, form_name, form)
            try:
                outcome = action(row, form)
            except CommitmentRefused as error:
                return respond_to_refusal(error, partial(refused, row, form_name, form, error))
            return _back(row, outcome) if isinstance(outcome, str) else outcome

        bp.add_url_rule(f"/admin/enrollments/<int:enrollment_id>/{path}",
                        endpoint=action.__name__, view_func=view, methods=["POST"])
        return view

    return decorator


@enrollment_action("sign", "sign", Action.SIGN_DOCUMENT)
def sign(row, form):
    document = Document(form.document.data)
    services.sign_document(row, document, form.signed_by.data, form.signed_on.data, current_user)
    return f"Recorded the signed {document.value.replace('_', ' ')}."


@enrollment_action("status", "status", *ANY_STATUS_ACTION)
def transition(row, form):
    actor, target = actor_of(current_user, row), Status(form.target.data)
    refuse_if_any(action_problems(actor, status_action(row, target)))
    if page := unconfirmed(consequences.enrollment_status(row, form.target.data)):
        return page
    reason = SuspensionReason(form.reason.data) if form.reason.data else None
    services.change_status(row, target, today(), reason=reason,
                           resolved_on=form.resolved_on.data, actor=actor)
    return f"Enrollment {row.number} is now {row.status.replace('_', ' ')}."


@enrollment_action("credit-checks", "credit", Action.RECORD_CREDIT_CHECK)
def credit_check(row, form):
    passed = form.check_passed.data == "yes"
    services.record_credit_check(row, form.check_year.data, passed, form.check_note.data or "",
                                 today(), current_user)
    return f"Credit check for year {form.check_year.data} recorded."


@enrollment_action("orders", "order", Action.PLACE_ORDER)
def order(row, form):
    approval = None
    if form.approved_by.data and form.approved_on.data:
        approval = Approval(form.approved_by.data.strip(), form.approved_on.data)
    saved = services.place_commitment_order(
        row, OrderKind(form.order_kind.data), form.order_year.data, form.order_amount.data,
        today(), current_user, late_entry=form.late_entry.data, approval=approval)
    return f"{saved.kind.title()} order for year {saved.year} placed."


@enrollment_action("usage", "usage", Action.RECORD_USAGE)
def usage(row, form):
    if form.used_on.data > today():
        form.used_on.errors = ["Usage cannot be recorded for a future day."]
        return _invalid(row, "usage", form)
    chosen = form.usage_subscription.data
    subscription = find_subscription(row, chosen) if chosen else None
    if chosen and subscription is None:
        form.usage_subscription.errors = ["Choose one of this enrollment's subscriptions."]
        return _invalid(row, "usage", form)
    sent = services.record_usage(row, form.used_on.data, form.meter.data or "",
                                 form.quantity.data, today(), current_user,
                                 subscription=subscription)
    notices = "".join(f" {n.key.detail}% notice sent." for n in sent)
    return f"Usage recorded.{notices}"


@enrollment_action("settlements", "settlement", Action.RECORD_SETTLEMENT)
def settlement(row, form):
    month, option = form.settle_month.data, SettlementOption(form.settle_option.data)
    if option is SettlementOption.OFFSET:
        return _offset(row, form, month)
    overage.record_settlement(row, month, form.responded_on.data, form.settled_on.data, option)
    return f"Overage answer for {month:%Y-%m} recorded."


def _offset(row, form, month):
    """O3: an order funds the month's overage and its invoice is credited; asked first, as
    neither the credit note nor the commitment it takes can be undone."""
    if form.offset_order.data is None:
        form.offset_order.errors = ["Choose the annual or additional order that offsets the "
                                    "overage, or choose to pay the overage invoice."]
        return _invalid(row, "settlement", form)
    if page := unconfirmed(consequences.overage_offset(row, month, form.offset_amount.data)):
        return page
    done = overage.offset_overage(row, month, form.offset_order.data, form.offset_amount.data,
                                   today(), current_user)
    return (f"RMB {done.amount_excl_tax:,.2f} of the {month:%Y-%m} overage offset by the "
            f"{done.order.kind} order; credit note {done.credit_note.number} issued.")


@enrollment_action("accounts", "account", Action.ADD_ACCOUNT)
def account(row, form):
    if form.account_name.data.strip() in {a.name for a in row.accounts}:
        form.account_name.errors = ["This enrollment already has an account of that name."]
        return _invalid(row, "account", form)
    # Conversion steps 1 and 2: the Org ID is added as account owner and invited.
    created = assist_services.open_account(row, form.account_name.data,
                                           form.account_owner.data,
                                           form.account_department.data or None, today())
    return f"Account {created.name} added; {created.owner} was invited to confirm ownership."


@enrollment_action("subscriptions", "subscription", Action.ADD_SUBSCRIPTION)
def subscription(row, form):
    account = next(a for a in row.accounts if a.id == form.account_id.data)
    services.add_subscription(account, form.subscription_id.data)  # O7: a GUID only
    return f"Subscription added to {account.name}."


@enrollment_action("invoices/paid", "paid", Action.MARK_INVOICE_PAID)
def invoice_paid(row, form):
    invoice = next((i for i in row.invoices if i.id == form.invoice_id.data), None)
    if invoice is None:
        abort(404)
    refuse_if_any(method_problems(form.payment_method.data))
    entry = PaymentInput(str(invoice.invoice.balance_due), form.paid_on.data,
                         form.payment_method.data, reference="Marked paid on the enrollment page")
    try:
        record_payment(invoice.invoice, entry, today(), current_user.id)
    except BillingInputError as refused:
        form.paid_on.errors = [str(refused).partition(": ")[2]]
        return _invalid(row, "paid", form)
    return f"Invoice {invoice.number} marked paid."
