"""A cart line changed: its quantity and plan, removed, its first term cotermed with an
existing subscription (R6), a reservation's scope and Azure subscription (K12); on
checkout's blueprint (storefront.checkout_views)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import abort, flash, redirect, request
from flask_login import current_user

from accounts.models import Customer
from catalog.price_words import counted
from connectors.partner_center.app_client import get_client
from connectors.partner_center.errors import PartnerCenterError
from orders import cart as carts
from orders import coterming, reservations
from persistence import db
from storefront.checkout_views import bp, buyer_customer, render_cart
from storefront.fix_links import cart_url
from storefront.security import buyers_only
from storefront.templating import plan_terms


@bp.route("/cart/<int:customer_id>/lines/<int:line_id>", methods=["POST"])
@buyers_only
def update_line(customer_id: int, line_id: int):
    customer = buyer_customer(customer_id)
    the_cart = carts.cart_for(current_user, customer)
    try:
        flash(_changed_line(the_cart, line_id), "success")
    except carts.CartError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    return redirect(cart_url(customer))


def _changed_line(the_cart, line_id: int) -> str:
    """Remove the line or set its quantity and billing; what was done, in words."""
    line = next((ln for ln in the_cart.lines if ln.id == line_id), None)
    title = line.price.sku.title if line is not None else "The line"
    if request.form.get("remove"):
        carts.remove_line(the_cart, line_id)
        return f"Removed {title} from the cart."
    carts.update_line(the_cart, line_id, _quantity(request.form.get("quantity", "")),
                      request.form.get("price_id", type=int))
    return (f"Updated {title}: {counted(line.quantity, 'license')}, "
            f"{plan_terms(line.price)}.")


def _quantity(text: str) -> int:
    """The typed licence count; anything but a whole number is named as such (it read as 0,
    and was answered "order at least 1 license")."""
    text = text.strip()
    if not (text.isascii() and text.isdigit()):
        raise carts.CartError(f"Quantity: “{text[:20]}” is not a whole number of licenses; "
                              "enter one, e.g. 5, or remove the line.")
    if len(text) > 12:  # the plan's own maximum (S2) answers anything smaller
        raise carts.CartError(f"Quantity: {text[:20]}… licenses is more than any plan "
                              "sells; enter a smaller number.")
    return int(text)


@bp.route("/cart/<int:customer_id>/lines/<int:line_id>/coterm", methods=["POST"])
@buyers_only
def coterm(customer_id: int, line_id: int):
    """R6: end the line's first term with an existing subscription's (or the standard)."""
    customer = buyer_customer(customer_id)
    the_cart = carts.cart_for(current_user, customer)
    line = next((ln for ln in the_cart.lines if ln.id == line_id), None)
    if line is None:
        flash("That line is no longer in the cart.", "error")
        return redirect(cart_url(customer))
    try:
        coterming.choose(line, request.form.get("subscription_id", type=int), get_client(),
                         datetime.now(UTC).date())
    except coterming.CotermError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    except PartnerCenterError as exc:
        db.session.rollback()
        flash(f"Partner Center did not answer ({exc.meaning}); try again.", "error")
    return redirect(cart_url(customer))


@bp.route("/cart/<int:customer_id>/lines/<int:line_id>/reservation", methods=["POST"])
@buyers_only
def reservation(customer_id: int, line_id: int):
    """K12: a reservation line's scope and the Azure subscription it applies to."""
    customer = buyer_customer(customer_id)
    if customer is None:
        abort(404)
    chosen = {"scope": request.form.get("scope", ""),
              "azure_subscription_id": request.form.get("azure_subscription_id", "")}
    try:
        reservations.choose(carts.cart_for(current_user, customer), line_id, **chosen)
    except carts.CartError as exc:
        db.session.rollback()
        if not _has_reservation_line(customer, line_id):  # no form to show the choice in
            flash(str(exc), "error")
            return redirect(cart_url(customer))
        # The cart again with the choice as submitted: a redirect showed the line's saved
        # choice, losing what the buyer had just picked (nothing entered is lost).
        return render_cart(customer, status=422,
                            reservation={line_id: chosen | {"error": str(exc)}})
    return redirect(cart_url(customer))


def _has_reservation_line(customer: Customer, line_id: int) -> bool:
    return any(ln.id == line_id and ln.price.sku.product.family == reservations.RESERVATION
               for ln in carts.cart_for(current_user, customer).lines)
