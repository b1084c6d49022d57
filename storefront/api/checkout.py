"""Checkout through the API: the dry run, placing orders idempotently, reading them back.

The API keeps no cart: each request carries its lines, and a transient Cart (never added
to the session) is built from them, so the buyer's web cart is never touched and the
same checkout service runs every rule exactly as it does for the pages.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from flask import jsonify, request, url_for
from sqlalchemy import select

from catalog import effective
from catalog.queries import markups_for
from checkout.problems import CheckoutRefused
from orders import cart as carts
from orders import quote as quotes
from orders import retail
from orders.models import Cart, CartLine, Order
from orders.placement import IdempotencyConflict, dry_run, place_order
from persistence import db
from provisioning.tasks import enqueue_provisioning
from storefront.api import (
    BadRequest,
    UnknownReference,
    api_error,
    body,
    envelope,
    operation,
    query,
    scope,
)
from storefront.api.schemas import (
    CheckoutIn,
    CustomerPageQuery,
    OrderSchema,
    ValidationResult,
    page_of,
)
from storefront.errors import refused_json
from storefront.fix_links import fix_urls
from storefront.remote import facts_for
from subscriptions.models import Subscription

OrderPage = page_of(OrderSchema)
_ORDER = OrderSchema()  # dumping keeps no state; building a schema per request cost ~3%
_CHECKOUT_IN = CheckoutIn()  # nor does loading: one instance serves every request
IDEMPOTENCY_HEADER = {"name": "Idempotency-Key", "in": "header", "required": True,
                      "description": "Your unique key for this order: a replay with the same "
                      "body returns the first order; a different body is refused (422).",
                      "schema": {"type": "string", "minLength": 1, "maxLength": 64}}


def request_cart(data: dict) -> Cart:
    """A transient cart of the request's lines for a customer in the token's scope."""
    customer = scope.customer_with_reseller(data["customer_id"])
    cart = Cart(user_id=scope.user().id, customer=customer, customer_id=customer.id)
    errors: dict[str, dict] = {}
    today = effective.today()
    for index, line in enumerate(data["lines"]):
        # With the row of its offer that sells today, in the same statement: a replay
        # after the next row took over names the same order (catalog/effective.py; C3
        # refuses an ended one). New licenses are priced in the tier their quantity falls
        # in (S2 refuses a quantity no tier prices); added ones at the subscription's price.
        tiered = None if line.get("add_to_subscription_id") else line["quantity"]
        price, selling = effective.asked_and_selling(db.session, line["price_id"], today,
                                                     tiered)
        if price is not None and price.listed:
            price = selling or price
        target = _subscription(customer, line.get("add_to_subscription_id"))
        if price is None or not price.listed:
            errors[str(index)] = {"price_id": ["No such offer price: list offers at "
                                               "/api/v1/catalog/offers."]}
        elif target is False:
            errors[str(index)] = {"add_to_subscription_id": ["No such subscription of this "
                                                             "customer."]}
        else:
            cart.lines.append(CartLine(price=price, quantity=line["quantity"],
                                       add_to_subscription=target,
                                       reservation_scope=line.get("reservation_scope", ""),
                                       azure_subscription_id=line.get(
                                           "azure_subscription_id", "")))
            carts.chose_selling_row(cart.lines[-1], today)
    if errors:
        raise UnknownReference({"lines": errors})
    return cart


def _subscription(customer, subscription_id: int | None):
    """The customer's subscription to add licenses to; False when it is not theirs."""
    if subscription_id is None:
        return None
    found = db.session.scalar(select(Subscription).filter_by(id=subscription_id,
                                                             customer_id=customer.id))
    return found if found is not None else False


def refused(problems):
    """The dry run's problems answered as a refused order is (422, every problem, its code)."""
    return refused_json(CheckoutRefused(problems))


@operation("/checkout/validate", "POST", summary="Validate a checkout (dry run)",
           tag="checkout", ok=(200, ValidationResult), body=CheckoutIn,
           errors=(400, 404, 422))
def validate_checkout():
    """Every rule runs on the lines for the customer; every problem is listed, nothing placed."""
    cart = request_cart(body(_CHECKOUT_IN))
    now = datetime.now(UTC)
    problems, plans = dry_run(cart, facts_for(cart.customer, cart.lines), now.date(),
                              fix_urls(cart.customer, external=True))
    if problems:
        return refused(problems)
    shows_retail = retail.sees_retail(scope.user(), cart.customer.reseller_id)
    shown = quotes.shown_lines(cart, markups_for(cart.customer.reseller_id), shows_retail,
                               plans)
    units = [line.unit for line in shown]
    total = sum(quotes.quote_of(cart, units).totals.values(), Decimal(0))
    # written as an order's amounts are (Money: four places), to send back as they are
    return jsonify(ok=True, problems=[], unit_prices=[_four(unit) for unit in units],
                   total=_four(total), price_notes=[line.note for line in shown])


def _four(amount: Decimal) -> str:
    return str(Decimal(amount).quantize(Decimal("0.0001")))


def _quote(data: dict) -> quotes.Quote | None:
    """B1: the prices the client expects; None when it states none (placed at today's)."""
    units = [line.get("expected_unit_price") for line in data["lines"]]
    totals = {quotes.ALL: data["expected_total"]} if "expected_total" in data else {}
    if all(unit is None for unit in units) and not totals:
        return None
    lines = None if all(unit is None for unit in units) else tuple(
        (line["price_id"], unit) for line, unit in zip(data["lines"], units, strict=True))
    return quotes.Quote(lines, totals)


def _owner_key(key: str) -> str:
    """Namespace the caller's key by the token's owner (its reseller, its company, or the
    provider), so another owner's key neither returns their order nor blocks this one."""
    user = scope.user()
    if user.reseller_id:
        owner = f"r{user.reseller_id}"
    else:
        owner = f"c{user.customer_id}" if user.customer_id else "provider"
    return f"api:{owner}:{key}"


@operation("/orders", "POST", summary="Place an order", tag="orders", ok=(201, OrderSchema),
           body=CheckoutIn, errors=(400, 404, 422), headers=(IDEMPOTENCY_HEADER,))
def create_order():
    """Runs every rule and places the order; replaying the Idempotency-Key returns it (200).

    Prices (rule B1): send each line's `expected_unit_price` and the `expected_total` that
    /checkout/validate answered, and the order is placed only at those prices. If a price
    list import, a price edit or a markup change moved a price in between, the answer is 422
    with `B1.price_changed` for each changed line (`previous` and `current` unit price) and
    `B1.total_changed` (the new total in `current`); nothing is ordered, and sending the
    new prices places it. A request that states no expected price is placed at the current
    prices, as before. A replayed Idempotency-Key returns its first order whatever the
    prices are now."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if not 0 < len(key) <= 64:
        raise BadRequest({"Idempotency-Key": ["Send a key of 1 to 64 characters."]})
    data = body(_CHECKOUT_IN)
    cart, key = request_cart(data), _owner_key(key)
    now = datetime.now(UTC)
    try:
        placed = place_order(cart, scope.user(), facts_for(cart.customer, cart.lines),
                             now.date(), fix_urls(cart.customer, external=True),
                             idempotency_key=key, enqueue=enqueue_provisioning,
                             quote=_quote(data))
    except IdempotencyConflict:
        return _key_reused()
    response = jsonify(_answer(placed.order))
    if placed.replayed:
        return response, 200
    response.headers["Location"] = url_for("api.get_order", order_id=placed.order.id)
    return response, 201


def _key_reused():
    return api_error(422, "Unprocessable Entity", "This Idempotency-Key was already used for "
                     "a different order; use a new key for a new order.",
                     code="idempotency.key_reused")


@operation("/orders", "GET", summary="List orders", tag="orders", ok=(200, OrderPage),
           query=CustomerPageQuery, errors=(400, 404))
def list_orders():
    """Orders of the reachable customers, newest first; optionally of one customer."""
    args = query(CustomerPageQuery())
    rows = scope.scoped(Order).order_by(Order.id.desc())
    if "customer_id" in args:
        rows = rows.where(Order.customer_id == scope.customer(args["customer_id"]).id)
    page = db.paginate(rows, page=args["page"], per_page=50, error_out=False)
    return jsonify({**OrderPage().dump(envelope(page, [])),
                    "items": [_answer(order) for order in page.items]})


@operation("/orders/<int:order_id>", "GET", summary="Read an order: status and history",
           tag="orders", ok=(200, OrderSchema), errors=(404,))
def get_order(order_id: int):
    return jsonify(_answer(scope.one(scope.scoped(Order), Order, order_id)))


def _answer(order: Order) -> dict:
    """The order as its caller is invoiced it: a reseller's customer sees the retail prices
    its reseller invoices, never the reseller's (B1, orders/retail.py)."""
    data = _ORDER.dump(order)
    if retail.sees_retail(scope.user(), order.reseller_id):
        # written as the stored amounts are (Money: four places), as a reseller reads its own
        data["total"] = str(retail.order_total(order, True).quantize(Decimal("0.0001")))
        for line, shown in zip(order.lines, data["lines"], strict=True):
            shown["unit_price"] = str(retail.unit(line.price))
    return data
