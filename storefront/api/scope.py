"""What the calling token may reach: its owner's customers and what hangs off them."""

from __future__ import annotations

from flask import abort, g
from sqlalchemy import select

from accounts.models import Customer
from accounts.scoping import visible_customers
from persistence import db
from storefront.security import within


def user():
    """The user the token acts as (its creator, still in the token's reseller or company)."""
    return g.api_user


def customer(customer_id: int, *options) -> Customer:
    """A customer the token may reach, or 404 so others' ids leak nothing; `options` are
    loader options (e.g. its reseller, loaded in the same query)."""
    found = db.session.scalar(visible_customers(user()).where(Customer.id == within(customer_id))
                              .options(*options))
    if found is None:
        abort(404)
    return found


def customer_ids():
    """A subquery of the reachable customers' ids, to scope orders and subscriptions."""
    return visible_customers(user()).with_only_columns(Customer.id)


def own_customer() -> Customer | None:
    """A direct customer's own company; None for a reseller, which names a customer."""
    return customer(user().customer_id) if user().is_customer else None


def one(query, model, object_id: int):
    """The object with this id among the query's rows, or 404."""
    found = db.session.scalar(query.where(model.id == within(object_id)))
    if found is None:
        abort(404)
    return found


def scoped(model):
    """A select() of the model's rows that belong to reachable customers."""
    return select(model).where(model.customer_id.in_(customer_ids()))

