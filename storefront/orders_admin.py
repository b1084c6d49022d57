"""Provider admins' order queue: orders needing attention first, details, a retry (of an
order needing attention, or of a partly provisioned order's refused lines) and a close (of
the lines of such an order that Partner Center will not provision)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from accounts.models import Reseller
from connectors.partner_center.app_client import get_client
from orders import listing
from orders.models import Order, OrderStatus, needs_a_person
from orders.progress import progress_of, with_history
from persistence import db
from provisioning.closing import (
    CHECKED,
    NotClosable,
    check_closable,
    closable,
    close_order,
    lines_words,
    open_lines,
)
from provisioning.doubts import Provisioned, ask, askable
from provisioning.jobs import (
    NotRetryable,
    check_retryable,
    check_standing,
    refused_lines,
    requeue,
    retryable,
)
from provisioning.tasks import enqueue_provisioning
from storefront import consequences, tables
from storefront.confirmation import confirmed, unconfirmed
from storefront.fix_links import fix_urls
from storefront.order_views import ORDER_CSV_HEADER, line_subscriptions, order_row
from storefront.security import admin_only

bp = Blueprint("orders_admin", __name__, url_prefix="/admin/orders")
NEEDS_A_PERSON = OrderStatus.NEEDS_ATTENTION.value
FILTERS = (NEEDS_A_PERSON, "all", *(s.value for s in OrderStatus
                                    if s != OrderStatus.NEEDS_ATTENTION))


@bp.route("")
@admin_only
def index():
    """Every order: the attention queue first by default; filter by status, customer,
    reseller and dates, search, sort, page, and download the filtered rows as CSV."""
    view = tables.listing("orders_admin.index", (*listing.ORDER_SORTS, "attention"),
                          "attention", False,
                          ("status", "q", "customer", "reseller", "from", "to"))
    status = view.filters["status"] = (view.filters["status"] if view.filters["status"]
                                       in FILTERS else "needs_attention")
    placed_from, placed_before = tables.day_range(view)
    # "Needs attention" is every order waiting for a person, partly provisioned ones with a
    # failed line too: what the System page and the dashboard count and link here.
    waiting = select(Order).where(needs_a_person())
    # One query each for the page's customers and resellers, not one per row.
    query = listing.filter_orders(
        (waiting if status == NEEDS_A_PERSON else select(Order))
        .options(selectinload(Order.customer), selectinload(Order.reseller)),
        statuses=None if status in ("all", NEEDS_A_PERSON) else (status,),
        customer_id=tables.int_filter(view, "customer"),
        reseller_id=tables.int_filter(view, "reseller"), placed_from=placed_from,
        placed_before=placed_before, q=view.filters["q"])
    query = _sorted(query, view)
    if view.wants_csv:
        return tables.csv_download("all-orders.csv", ORDER_CSV_HEADER,
                                   lambda: map(order_row, db.session.scalars(query)))
    counts = dict(db.session.execute(select(Order.status, func.count()).group_by(Order.status))
                  .all())
    counts[NEEDS_A_PERSON] = db.session.scalar(select(func.count()).select_from(
        waiting.subquery()))
    resellers = db.session.scalars(select(Reseller).order_by(Reseller.company_name)).all()
    return render_template("orders_admin/index.html", page=tables.page_of(query, view),
                           status=status, filters=FILTERS, counts=counts, view=view,
                           resellers=resellers)


def _sorted(query, view: tables.Listing):
    if view.sort != "attention":
        return listing.sort_orders(query, view.sort, view.descending)
    # Orders needing a person first, then the most recently changed.
    attention_first = case((needs_a_person(), 0), else_=1)
    return query.order_by(attention_first, Order.updated_at.desc(), Order.id.desc())


@bp.route("/<int:order_id>")
@admin_only
def show(order_id: int):
    order = db.session.scalars(with_history(select(Order).where(Order.id == order_id))
                               ).unique().first() or abort(404)
    subscriptions = sorted(set(line_subscriptions(order).values()), key=lambda s: s.id)
    return render_template("orders_admin/show.html", order=order, subscriptions=subscriptions,
                           progress=progress_of(order), retryable=retryable(order),
                           refused=refused_lines(order), closable=closable(order),
                           closing=open_lines(order), doubts=askable(order))


@bp.post("/<int:order_id>/retry")
@admin_only
def retry(order_id: int):
    """Queue the order's provisioning again; a partly provisioned order's refused lines are
    bought only once the admin confirms (confirm=yes), as that buys subscriptions, and the
    checkout rules allow it against what the customer holds now (409 names each problem)."""
    order = db.session.get(Order, order_id) or abort(404)
    try:
        check_retryable(order)
        check_standing(order)  # K9, before asking to confirm a retry it would refuse
        if page := unconfirmed(consequences.retry_order(order, refused_lines(order))):
            return page
        requeue(order, current_user.email, client=get_client(), urls=fix_urls(order.customer))
    except NotRetryable as refusal:
        flash(str(refusal), "error")
        return redirect(url_for("orders_admin.show", order_id=order.id)), 409
    enqueue_provisioning(order.id)
    flash(f"Order {order.number or order.id} is queued for provisioning again.", "success")
    return redirect(url_for("orders_admin.show", order_id=order.id))


@bp.post("/<int:order_id>/close")
@admin_only
def close(order_id: int):
    """Close the order's lines Partner Center will not provision, once confirmed. Lines in
    doubt are asked of Partner Center first (provisioning.closing.ask): the confirmation
    says its answer, and a line it shows created is kept, the order not closed."""
    order = db.session.get(Order, order_id) or abort(404)
    try:
        check_closable(order)
        if not confirmed():
            answer = ask(order, current_user, get_client())
            return unconfirmed(consequences.close_order(order, open_lines(order), answer))
        closed = close_order(order, current_user, get_client(),
                             checked=request.form.get(CHECKED) == "yes")
    except Provisioned as found:
        flash(str(found), "info")
        return redirect(url_for("orders_admin.show", order_id=order.id))
    except NotClosable as refusal:
        flash(str(refusal), "error")
        return redirect(url_for("orders_admin.show", order_id=order.id)), 409
    flash(f"Order {order.number} is {order.status.replace('_', ' ')}: "
          f"{lines_words(closed)} closed; the buyer is emailed.", "success")
    return redirect(url_for("orders_admin.show", order_id=order.id))
