"""Where the buyer fixes each problem: the links the rules put beside their problems.

Built here, in the web layer, and handed to the checkout service as a FixUrls value, so no
domain package builds a URL or imports a view.
"""

from __future__ import annotations

from flask import url_for

from accounts.models import Customer
from checkout.context import FixUrls


def cart_url(customer: Customer, external: bool = False) -> str:
    """The customer's cart, where lines, billing choices and the MCA are fixed."""
    return url_for("checkout.cart", customer=customer.id, _external=external)


def customer_edit_url(customer: Customer, back: str | None = None, external: bool = False) -> str:
    """The page where the customer's record is edited; `back` is where saving returns."""
    if customer.is_direct:
        return url_for("customers.company", next=back, _external=external)
    return url_for("customers.edit", customer_id=customer.id, next=back, _external=external)


def fix_urls(customer: Customer, *, from_cart: bool = False, external: bool = False) -> FixUrls:
    """Where each problem is fixed. From the cart, the customer's edit page leads back to it
    once saved, so fixing a NIP does not leave the buyer hunting for the cart; for the API
    the links are absolute, as an integration shows them outside our pages."""
    cart = cart_url(customer, external)
    edit = customer_edit_url(customer, back=cart_url(customer) if from_cart else None,
                             external=external)
    # Each link ends in the id of the element where the fix is made, so the page opens
    # there (static/behaviour.js focuses and highlights it); the rules add a field's own
    # id to the customer's details and the cart lines (FixUrls.customer_field, line_billing).
    return FixUrls(customer_edit=edit, mca=cart + "#mca",
                   billing_choice=cart,  # C1: a buyer picks monthly billing there
                   subscription=url_for("subscriptions.find", _external=external)
                   + "?ref={id}#extra-licenses",
                   reseller_profile=url_for("main.home", _external=external) + "#standing",
                   # K7: qualifications come from Microsoft or the provider, never from the
                   # buyer's own pages; what the buyer can do is pick a commercial plan.
                   qualification=url_for("shop.index", _external=external,
                                         customer=None if customer.is_direct else customer.id)
                   + "#segment",
                   tenant_proof=tenant_url(customer, external) + "#tenant")


def tenant_url(customer: Customer, external: bool = False) -> str:
    """K11: the page where control of the customer's existing tenant is shown."""
    if customer.is_direct:
        return url_for("tenants.company", _external=external)
    return url_for("tenants.show", customer_id=customer.id, _external=external)
