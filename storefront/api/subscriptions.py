"""Subscriptions within the token's scope: list, read, change and cancel (S1–S6)."""

from __future__ import annotations

from flask import g, jsonify

from connectors.partner_center import PartnerCenterError
from connectors.partner_center.app_client import get_client
from orders import retail
from persistence import db
from storefront import cancel_quotes
from storefront.api import api_error, body, envelope, operation, query, scope
from storefront.api.schemas import (
    CancellationSchema,
    CustomerPageQuery,
    NextTermIn,
    SubscriptionChangeIn,
    SubscriptionSchema,
    page_of,
)
from subscriptions import renewals, rules, services
from subscriptions.errors import refuse
from subscriptions.models import Subscription
from subscriptions.renewal_rules import NextTermChange

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


def _unavailable(error: PartnerCenterError):
    return api_error(503, "Service Unavailable", "Partner Center did not accept the change "
                     f"now ({error.meaning}); nothing was changed. Try again later.")


@operation("/subscriptions/<int:subscription_id>", "PATCH", summary="Change a subscription",
           tag="subscriptions", ok=(200, SubscriptionSchema), body=SubscriptionChangeIn,
           errors=(400, 403, 404, 422, 503))
def update_subscription(subscription_id: int):
    """Set the licence count (S2: fewer only within 168 hours) and/or autorenew (S1)."""
    found = scope.one(scope.scoped(Subscription), Subscription, subscription_id)
    change = body(SubscriptionChangeIn())
    try:
        # The count this API last answered, sent back with the rest of the resource, asks
        # no seat change: only another one is read and judged.
        if "quantity" in change and change["quantity"] != found.quantity:
            _change_seats(found, change["quantity"])
        if "autorenew" in change and change["autorenew"] != found.autorenew:
            services.set_autorenew(found, change["autorenew"], g.api_user, get_client())
    except PartnerCenterError as error:
        return _unavailable(error)
    return jsonify(SubscriptionSchema().dump(found))


def _change_seats(sub: Subscription, wanted: int) -> None:
    """S2: judged on the seats Partner Center holds, read first (the row's may be stale: 15
    there and 10 here, 12 is a removal of 3, not an increase to order); read once."""
    client = get_client()
    services.read_seats(sub, wanted, g.api_user, client)
    refuse(rules.check_increase_is_an_order(sub.quantity, wanted))
    services.change_quantity(sub, wanted, g.api_user, client, seats_read=True)


@operation("/subscriptions/<int:subscription_id>/cancel", "POST",
           summary="Cancel a subscription", tag="subscriptions", ok=(200, CancellationSchema),
           errors=(403, 404, 422, 503))
def cancel_subscription(subscription_id: int):
    """Cancel within the window (S3: 168 h, prorated; S6: 30 days, in full); admin agents
    only (S4); RedHat and SUSE never (S5)."""
    found = scope.one(scope.scoped(Subscription), Subscription, subscription_id)
    # a reseller's end customer is answered the retail refund its reseller credits (B1)
    sees_retail = retail.sees_retail(g.api_user, found.reseller_id)
    try:
        quote = services.cancel(found, g.api_user, get_client(), retail=sees_retail)
    except PartnerCenterError as error:
        return _unavailable(error)
    refund = cancel_quotes.refund_of(found, quote, sees_retail)
    return jsonify(CancellationSchema().dump(
        {"subscription": found, "refund": quote.amount, "refund_tax": refund.tax,
         "refund_total": refund.total, "currency": quote.currency}))


@operation("/subscriptions/<int:subscription_id>/next-term", "PUT",
           summary="Schedule a change for the renewal", tag="subscriptions",
           ok=(200, SubscriptionSchema), body=NextTermIn, errors=(400, 404, 422, 503))
def schedule_next_term(subscription_id: int):
    """R1: licences, term and billing for the next term, applied by the renewal; needs
    autorenew on and a term and billing the plan is sold with."""
    found = scope.one(scope.scoped(Subscription), Subscription, subscription_id)
    wanted = body(NextTermIn())
    change = NextTermChange(wanted["quantity"], wanted["term_duration"],
                            wanted["billing_cycle"], wanted["plan"])
    try:
        renewals.schedule(found, change, g.api_user, get_client())
    except PartnerCenterError as error:
        return _unavailable(error)
    return jsonify(SubscriptionSchema().dump(found))


@operation("/subscriptions/<int:subscription_id>/next-term", "DELETE",
           summary="Withdraw the change scheduled for the renewal", tag="subscriptions",
           ok=(200, SubscriptionSchema), errors=(404, 422, 503))
def withdraw_next_term(subscription_id: int):
    """R1: withdraw the scheduled change; the subscription renews as it is."""
    found = scope.one(scope.scoped(Subscription), Subscription, subscription_id)
    try:
        renewals.withdraw(found, g.api_user, get_client())
    except PartnerCenterError as error:
        return _unavailable(error)
    return jsonify(SubscriptionSchema().dump(found))
