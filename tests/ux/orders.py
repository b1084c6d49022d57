"""A reseller's order refused at checkout, as the UX tests read it."""

from __future__ import annotations

from orders import cart as carts
from persistence import db
from tests.checkout.conftest import ready_customer
from tests.conftest import login, post_form


def refused_polish_order(client, world, tax_id: str):
    """Reseller A places an order for a Polish customer with this tax ID (empty or a bad
    NIP makes K3 refuse it) and gets the refused cart's response."""
    customer = ready_customer(world)
    customer.country, customer.postal_code, customer.tax_id = "PL", "00-850", tax_id
    db.session.commit()
    carts.add_line(carts.cart_for(world.reseller_a_user, customer), world.price.id, 1)
    login(client, world.reseller_a_user)
    return post_form(client, f"/cart/{customer.id}/place", {"idempotency_key": "k1"},
                     token_url=f"/cart?customer={customer.id}")
