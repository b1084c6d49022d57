"""A reseller's order refused at checkout, as the UX tests read it."""

from __future__ import annotations

from orders import cart as carts
from tests.billing.conftest import price_in
from tests.checkout.conftest import ready_customer
from tests.conftest import login, move_to, post_form


def refused_polish_order(client, world, tax_id: str):
    """Reseller A places an order for a Polish customer with this tax ID (empty or a bad
    NIP makes K3 refuse it), at the plan's Polish price (C7), and gets the refused cart's
    response."""
    customer = move_to(ready_customer(world), "PL")
    customer.tax_id = tax_id
    polish = price_in(world, "PL", "PLN", erp="50.00")  # commits
    carts.add_line(carts.cart_for(world.reseller_a_user, customer), polish.id, 1)
    login(client, world.reseller_a_user)
    return post_form(client, f"/cart/{customer.id}/place", {"idempotency_key": "k1"},
                     token_url=f"/cart?customer={customer.id}")
