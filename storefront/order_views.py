"""The buyer's orders: the list (filtered, sorted, paged, CSV) and one order's page, on
checkout's blueprint (endpoints checkout.orders and checkout.order)."""

from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from accounts.models import Customer
from accounts.scoping import visible_customers
from catalog.pricing import buyer_locale, format_money, tax_label
from orders import listing, retail
from orders.models import OPEN_STATUSES, Order, OrderLine, OrderStatus
from orders.progress import for_buyer, progress_of, with_history
from persistence import as_utc, db
from persistence.money import round_money
from storefront import tables
from storefront.checkout_views import bp, totals_by_cycle
from storefront.security import buyers_only
from subscriptions import upgrades
from subscriptions.models import Subscription


def visible_orders(user):
    """Orders of the customers this user may see."""
    return select(Order).where(Order.customer_id.in_(
        visible_customers(user).with_only_columns(Customer.id)))


# The buyer's order filters: what each shows.
ORDER_FILTERS = {"": ("All", None), "open": ("Open", OPEN_STATUSES),
                 "provisioned": ("Provisioned", (OrderStatus.PROVISIONED,)),
                 "attention": ("With problems", (OrderStatus.NEEDS_ATTENTION,
                                                 OrderStatus.PARTIALLY_PROVISIONED)),
                 "cancelled": ("Cancelled", (OrderStatus.CANCELLED,))}


@bp.route("/orders")
@buyers_only
def orders():
    """The buyer's orders: filter by status group, customer and dates, search, sort, page
    and download as CSV; every filter narrows the buyer's own orders only."""
    view = tables.listing("checkout.orders", listing.ORDER_SORTS, "placed", True,
                          ("status", "q", "customer", "from", "to"))
    if view.filters["status"] not in ORDER_FILTERS:
        view.filters["status"] = ""
    placed_from, placed_before = tables.day_range(view)
    query = listing.filter_orders(
        visible_orders(current_user).options(*_order_list_loads()),
        statuses=ORDER_FILTERS[view.filters["status"]][1],
        customer_id=tables.int_filter(view, "customer"), placed_from=placed_from,
        placed_before=placed_before, q=view.filters["q"])
    query = listing.sort_orders(query, view.sort, view.descending)
    if view.wants_csv:
        return tables.csv_download("orders.csv", ORDER_CSV_HEADER,
                                   lambda: map(order_row, db.session.scalars(query)))
    customers = (db.session.scalars(visible_customers(current_user)
                                    .order_by(Customer.company_name).limit(500)).all()
                 if current_user.is_reseller else [])
    # Open orders' rows are the ones live-status.js keeps asking about.
    return render_template("checkout/orders.html", page=tables.page_of(query, view), view=view,
                           filters=ORDER_FILTERS, open_statuses=OPEN_STATUSES,
                           customers=customers)


def _order_list_loads() -> tuple:
    """What a list of orders shows: an end customer's totals are summed from its lines."""
    loads = (selectinload(Order.customer), selectinload(Order.reseller))
    if current_user.is_customer:
        loads += (selectinload(Order.lines).selectinload(OrderLine.price),)
    return loads


ORDER_CSV_HEADER = ("Order", "Placed (UTC)", "Customer", "Reseller", "Status", "Currency",
                    "Total")


def order_row(order: Order) -> tuple:
    """One order as the CSV exports write it: the total as a number in its currency's minor
    unit (as the pages and the invoice write it; stored with four places), with the
    currency."""
    return (order.number or order.id, as_utc(order.created_at).strftime("%Y-%m-%d %H:%M"),
            order.customer.company_name,
            order.reseller.company_name if order.reseller else "direct",
            order.status.replace("_", " "), order.currency,
            round_money(shown_total(order), order.currency))


@bp.app_template_filter("shown_total")
def shown_total(order: Order):
    """The order's total as the signed-in viewer is invoiced it (B1)."""
    return retail.order_total(order, retail.sees_retail(current_user, order.reseller_id))


def visible_order(user, order_id: int) -> Order:
    """One order this user may see, loaded with its history as one moment, or 404."""
    query = with_history(visible_orders(user).where(Order.id == order_id))
    return db.session.scalars(query).unique().first() or abort(404)


@bp.route("/orders/<int:order_id>")
@buyers_only
def order(order_id: int):
    found = visible_order(current_user, order_id)
    locale = buyer_locale(found.customer.language, found.customer.country)
    shows_retail = retail.sees_retail(current_user, found.reseller_id)
    amounts = {line.id: retail.line_amount(line, shows_retail) for line in found.lines}
    totals = totals_by_cycle((line.currency, line.billing_cycle, amounts[line.id])
                     for line in found.lines)
    return render_template("checkout/order.html", order=found, totals=totals, amounts=amounts,
                           progress=for_buyer(progress_of(found)),
                           subscriptions=provisioned_subscriptions(found), tax_label=tax_label,
                           upgraded=upgraded_lines(found),
                           money=lambda amount, currency: format_money(amount, currency,
                                                                       locale))


def line_subscriptions(order: Order) -> dict[int, Subscription]:
    """Each line's subscription, in one query: the one it created, or the one it adds
    licenses to (for the buyer's and the admin's order pages)."""
    query = select(Subscription).where(or_(
        Subscription.order_line_id.in_([line.id for line in order.lines]),
        Subscription.id.in_([line.target_subscription_id for line in order.lines
                             if line.target_subscription_id])))
    subs = db.session.scalars(query).all()
    return {line.id: sub for line in order.lines for sub in subs
            if sub.order_line_id == line.id or sub.id == line.target_subscription_id}


def upgraded_lines(order: Order) -> dict[int, list[Subscription]]:
    """R4: each line's subscriptions its licenses were upgraded into."""
    subs = line_subscriptions(order)
    into = upgrades.upgraded_into([s.id for s in subs.values()])
    return {line_id: into[sub.id] for line_id, sub in subs.items() if sub.id in into}


def provisioned_subscriptions(order: Order) -> dict[int, int]:
    """The buyer's links: a subscription a line created (it exists only once provisioned),
    or the one it adds licenses to once the line is done."""
    subs = line_subscriptions(order)
    return {line.id: subs[line.id].id for line in order.lines if line.id in subs and (
        line.status == "provisioned" or subs[line.id].order_line_id == line.id)}
