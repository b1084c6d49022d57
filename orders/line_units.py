"""B1/C4: what one licence of each cart line costs, the same on the review and the order.

Checkout turns a shop line for a plan the customer already holds (same plan, cycle, term and
partner of record) into extra licences on that subscription (C4, checkout/plan.py). Extra
licences are charged at the held subscription's term price (orders.cart.term_price), so
such a line is priced so on the cart, the API's dry run, the B1 quote check and the order
line alike, and the review says why. Every other line costs today's buyer price.

The cart page asks no Partner Center question: it plans the lines from the subscriptions
we mirror and the open orders (the same facts checkout reads under its lock), so it shows
what placing will charge unless Partner Center knows a subscription we have not mirrored;
placing then refuses with the new price (B1.price_changed) instead of charging it unseen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from checkout import reference
from checkout.context import FixUrls
from checkout.fetch import RemoteFacts
from checkout.plan import ADD_LICENSES, LinePlan
from orders.cart import term_price, unit_price
from orders.facts import build_context
from orders.models import Cart, CartLine
from persistence import db
from subscriptions.models import Subscription

CONVERTED_NOTE = ("Added to your existing subscription of this plan at its term price (C4): "
                  "extra licences cost what the subscription costs until it renews.")


def local_plans(cart: Cart, today: date, urls: FixUrls) -> tuple[LinePlan, ...]:
    """C4's plan of each line from our own rows (no Partner Center call): for the cart page."""
    if not cart.lines:
        return ()
    return build_context(cart, RemoteFacts(), reference.current(), today, urls).plans


def held(line: CartLine, plan: LinePlan) -> Subscription | None:
    """Our row of the subscription the line adds licences to (C4), if we hold one."""
    if plan.action != ADD_LICENSES:
        return None
    if line.add_to_subscription is not None:
        return line.add_to_subscription
    # None: Partner Center's subscription is not mirrored yet (a first order still
    # provisioning), so no term price is known here and today's price applies.
    return _local(plan.subscription_id or "")


def _local(ref: str) -> Subscription | None:
    """Our subscription row for a rules-level subscription reference (orders/facts.py)."""
    if ref.startswith("local:"):
        return db.session.get(Subscription, int(ref.split(":", 1)[1]))
    return db.session.scalars(select(Subscription).filter_by(pc_subscription_id=ref)).first()


@dataclass(frozen=True)
class LineUnit:
    """A line's unit price as the order records it, why it is not today's (or None), and
    our id of the subscription it adds licences to (None: a new subscription, or one not
    mirrored yet)."""

    unit: Decimal
    note: str | None
    target: int | None = None


def priced(cart: Cart, plans: Sequence[LinePlan], markups: Mapping) -> list[LineUnit]:
    """Each line's unit price, note and target, its held subscription looked up once: the
    cart page asked for it for the price and again for the note, and placing for the price
    and again for the order line's target (a SELECT by Partner Center id each time)."""
    return [_priced(line, plan, markups) for line, plan in zip(cart.lines, plans, strict=True)]


def _priced(line: CartLine, plan: LinePlan, markups: Mapping) -> LineUnit:
    sub = held(line, plan)
    if sub is None:
        return LineUnit(unit_price(line, markups), None)
    return LineUnit(term_price(sub), CONVERTED_NOTE if line.add_to_subscription_id is None
                    else None, sub.id)
