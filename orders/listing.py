"""The order, subscription and customer lists' filters and sort orders, applied to a query
the caller has already scoped (a reseller's own customers, a customer's own company): a
filter only narrows it, so no filter value can reach someone else's rows.

Sorting is by a named column with the row id as the tie-break, so the pages of a sorted
list neither repeat nor skip a row. Amounts sort as numbers (SQLite keeps Money as text)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Numeric, Select, cast, or_, select

from accounts.models import Customer, Reseller
from accounts.scoping import name_contains
from orders.models import Order
from persistence.search import contains
from subscriptions.models import Subscription

ORDER_SORTS = {"number": Order.id, "customer": Customer.company_name,
               "reseller": Reseller.company_name, "placed": Order.created_at,
               "updated": Order.updated_at, "status": Order.status,
               "total": cast(Order.total, Numeric(14, 4))}
SUBSCRIPTION_SORTS = {"product": Subscription.title, "customer": Customer.company_name,
                      "reseller": Reseller.company_name, "quantity": Subscription.quantity,
                      "status": Subscription.status, "term_end": Subscription.term_end,
                      "purchased": Subscription.purchased_at}
CUSTOMER_SORTS = {"company": Customer.company_name, "country": Customer.country,
                  "reseller": Reseller.company_name, "created": Customer.created_at}


def _by(query: Select, model, sorts: dict, key: str, descending: bool) -> Select:
    """`query` in the order of column `key`; joins the customer or reseller it sorts by."""
    if key == "customer" and model is not Customer:
        query = query.join(Customer, Customer.id == model.customer_id)
    if key == "reseller":
        query = query.outerjoin(Reseller, Reseller.id == model.reseller_id)
    column = sorts[key]
    return query.order_by(column.desc() if descending else column.asc(),
                          model.id.desc() if descending else model.id.asc())


def filter_orders(query: Select, *, statuses=None, customer_id: int | None = None,
                  reseller_id: int | None = None, placed_from: datetime | None = None,
                  placed_before: datetime | None = None, q: str = "") -> Select:
    """Orders narrowed by status, customer, reseller, placing time and a search that finds
    the order number or the customer's name."""
    if statuses:
        query = query.where(Order.status.in_(statuses))
    if customer_id is not None:
        query = query.where(Order.customer_id == customer_id)
    if reseller_id is not None:
        query = query.where(Order.reseller_id == reseller_id)
    if placed_from is not None:
        query = query.where(Order.created_at >= placed_from)
    if placed_before is not None:
        query = query.where(Order.created_at < placed_before)
    if q:
        query = query.where(or_(contains(Order.number, q), Order.customer_id.in_(
            select(Customer.id).where(name_contains(q)))))
    return query


def sort_orders(query: Select, key: str, descending: bool) -> Select:
    return _by(query, Order, ORDER_SORTS, key, descending)


def filter_subscriptions(query: Select, *, status: str = "", customer_id: int | None = None,
                         reseller_id: int | None = None, q: str = "") -> Select:
    """Subscriptions narrowed by status, customer, reseller and a search that finds the
    product's title or the customer's name."""
    if status:
        query = query.where(Subscription.status == status)
    if customer_id is not None:
        query = query.where(Subscription.customer_id == customer_id)
    if reseller_id is not None:
        query = query.where(Subscription.reseller_id == reseller_id)
    if q:
        query = query.where(or_(contains(Subscription.title, q), Subscription.customer_id.in_(
            select(Customer.id).where(name_contains(q)))))
    return query


def sort_subscriptions(query: Select, key: str, descending: bool) -> Select:
    return _by(query, Subscription, SUBSCRIPTION_SORTS, key, descending)


def filter_customers(query: Select, *, reseller_id: int | None = None,
                     direct: bool = False, resold: bool = False, q: str = "") -> Select:
    """Customers narrowed by reseller (or only direct ones, or only resellers' end
    customers) and a name search."""
    if direct:
        query = query.where(Customer.reseller_id.is_(None))
    elif resold:
        query = query.where(Customer.reseller_id.is_not(None))
    elif reseller_id is not None:
        query = query.where(Customer.reseller_id == reseller_id)
    if q:
        query = query.where(name_contains(q))
    return query


def sort_customers(query: Select, key: str, descending: bool) -> Select:
    return _by(query, Customer, CUSTOMER_SORTS, key, descending)
