"""Subscriptions within the token's scope: list and read (changes live in subscriptions/)."""

from __future__ import annotations

from flask import jsonify

from storefront.api import envelope, operation, query, scope
from storefront.api.schemas import CustomerPageQuery, SubscriptionSchema, page_of
from storefront.extensions import db
from subscriptions.models import Subscription

SubscriptionPage = page_of(SubscriptionSchema)


@operation("/subscriptions", "GET", summary="List subscriptions", tag="subscriptions",
           ok=(200, SubscriptionPage), query=CustomerPageQuery, errors=(400, 404))
def list_subscriptions():
    """Subscriptions of the reachable customers; optionally of one customer."""
    args = query(CustomerPageQuery())
    rows = scope.scoped(Subscription).order_by(Subscription.id.desc())
    if "customer_id" in args:
        rows = rows.where(Subscription.customer_id == scope.customer(args["customer_id"]).id)
    page = db.paginate(rows, page=args["page"], per_page=50, error_out=False)
    return jsonify(SubscriptionPage().dump(envelope(page, page.items)))


@operation("/subscriptions/<int:subscription_id>", "GET", summary="Read a subscription",
           tag="subscriptions", ok=(200, SubscriptionSchema), errors=(404,))
def get_subscription(subscription_id: int):
    found = scope.one(scope.scoped(Subscription), Subscription, subscription_id)
    return jsonify(SubscriptionSchema().dump(found))
