"""K12 on the cart: a reservation line's scope and Azure subscription, as the buyer chose
them. The form's values are checked for shape here (a clear message naming the field);
whether the subscription belongs to the customer's Azure plan is the checkout's K12 rule,
judged on Partner Center's answer when the order is checked and placed."""

from __future__ import annotations

from identifiers import guids
from orders.cart import CartError
from orders.models import Cart
from persistence import db

RESERVATION = "azure_reservation"
SCOPES = {"shared": "Shared: every subscription of the Azure plan",
          "single": "Single: one Azure subscription"}


def choose(cart: Cart, line_id: int, scope: str, azure_subscription_id: str) -> None:
    """Record the reservation's scope and Azure subscription on its cart line; commits."""
    line = next((ln for ln in cart.lines if ln.id == line_id), None)
    if line is None:
        raise CartError("That line is no longer in the cart.")
    if line.price.sku.product.family != RESERVATION:
        raise CartError("Scope: only an Azure reservation line takes a scope and an Azure "
                        "subscription.")
    scope = (scope or "").strip().lower()
    if scope not in SCOPES:
        raise CartError("Scope: choose shared or single for the reservation.")
    chosen = guids.compact(azure_subscription_id)
    if not guids.is_valid(chosen):
        raise CartError("Azure subscription: choose one of the customer's Azure plan "
                        "subscriptions from the list.")
    line.reservation_scope, line.azure_subscription_id = scope, chosen
    db.session.commit()
