"""Support requests (S3/S5/S6): the form on a subscription that cannot be cancelled online,
the requester's list and the provider admins' queue, each request's page and its steps."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from accounts.models import Customer, Role
from accounts.scoping import visible_customers
from catalog.pricing import buyer_locale, format_money
from notifications import email, notify
from persistence import db
from storefront import consequences
from storefront.confirmation import unconfirmed
from storefront.pagination import paginate
from storefront.security import buyers_only, roles_required
from storefront.subscription_views import visible_subscriptions
from subscriptions import support_answers as answers
from subscriptions import support_requests as support
from subscriptions.models import Subscription
from subscriptions.support_models import SupportRequest

bp = Blueprint("support", __name__, url_prefix="/support-requests")
FIELDS = ("reason", "amount", "contact_name", "contact_email", "contact_phone")


@bp.app_template_global("support_refusal")
def support_refusal(sub: Subscription):
    """For the subscription page: why it cannot be cancelled online, when a request helps."""
    return support.online_refusal(sub)


def _link(req: SupportRequest) -> str:
    return url_for("support.show", support_request_id=req.id)


def _visible():
    """The requests this user may see: every one for an admin, else its customers'."""
    customers = visible_customers(current_user).with_only_columns(Customer.id)
    return select(SupportRequest).where(SupportRequest.customer_id.in_(customers))


def _request(support_request_id: int) -> SupportRequest:
    query = _visible().where(SupportRequest.id == support_request_id)
    return db.session.scalars(query).first() or abort(404)


def _money(req: SupportRequest) -> str:
    customer = req.customer
    return format_money(req.amount, req.currency,
                        buyer_locale(customer.language, customer.country))


@bp.route("/new/<int:subscription_id>", methods=["GET", "POST"])
@buyers_only
def new(subscription_id: int):
    """The form, offered only where online cancellation is refused."""
    sub = db.session.scalars(visible_subscriptions(current_user).where(
        Subscription.id == subscription_id)).first() or abort(404)
    why = support.online_refusal(sub)
    if why is None:
        flash("This subscription can be cancelled online: use Cancel on its page.", "error")
        return redirect(url_for("subscriptions.show", subscription_id=sub.id))
    values = {name: request.form.get(name, "") for name in FIELDS}
    if request.method == "GET":
        values |= {"contact_name": current_user.name, "contact_email": current_user.email}
        return _form(sub, why, values)
    try:
        filed = support.file(sub, current_user, request.form, notify, _link)
    except support.SupportRequestRefused as refused:
        return _form(sub, why, values, refused.problems, 422)
    flash(f"Support request {filed.number} filed: the provider will answer here and by "
          "email.", "success")
    return redirect(_link(filed))


def _form(sub, why, values, problems=(), status: int = 200):
    errors = {p.field: p.message for p in problems}
    return render_template("support/new.html", sub=sub, why=why, values=values,
                           problems=problems, errors=errors,
                           currency=support.currency_of(sub)), status


@bp.route("")
@login_required
def index():
    """The requester's requests, or the admins' queue; filter by status."""
    status = request.args.get("status", "")
    status = status if status in support.STATUSES else ""
    query = _visible().options(selectinload(SupportRequest.subscription),
                               selectinload(SupportRequest.customer))
    if status:
        query = query.where(SupportRequest.status == status)
    page = paginate(query.order_by(SupportRequest.id.desc()))
    return render_template("support/index.html", page=page, status=status,
                           statuses=support.STATUSES, labels=support.LABELS, money=_money)


@bp.route("/<int:support_request_id>")
@login_required
def show(support_request_id: int):
    return _show(_request(support_request_id))


def _show(req: SupportRequest, problems=(), answer: str = "", status: int = 200):
    return render_template("support/show.html", req=req, labels=support.LABELS,
                           steps=support.NEXT[req.status], answered=support.ANSWERED,
                           problems=problems, answer=answer or req.answer,
                           granted=answers.granted(req), money=_money), status


@bp.route("/<int:support_request_id>/status", methods=["POST"])
@roles_required(Role.PROVIDER_ADMIN)
def move(support_request_id: int):
    """One step on; declining and closing ask first (confirmation.py)."""
    req = _request(support_request_id)
    target, answer = request.form.get("status", ""), request.form.get("answer", "")
    problems = answers.step_problems(req, target, answer)
    if problems:
        return _show(req, problems, answer, 422)
    if page := unconfirmed(consequences.support_step(req, target)):
        return page
    answers.move(req, target, answer, current_user, notify, _link, email)
    flash(f"{req.number} is {support.LABELS[target].lower()}; the requester was told.",
          "success")
    return redirect(_link(req))
