"""Cart and order lines carry Partner Center's `pricing` (cart-resources), computed in the
sandbox from the list prices of the demo price list."""

from __future__ import annotations

from decimal import Decimal

from connectors.partner_center.sandbox.catalog import LIST_PRICES_USD
from demo.catalog import ERP_USD


def test_the_sandbox_list_prices_are_the_demo_price_list():
    assert LIST_PRICES_USD == ERP_USD


def test_a_yearly_commitment_billed_monthly_is_priced_per_month_and_for_the_whole_term(
        pc_client, make_customer, line):
    customer = make_customer()
    cart = pc_client.create_cart(customer.id, [line(quantity=2, term="P1Y", cycle="monthly")])
    pricing = cart.lines[0].pricing
    assert (pricing.list_price, pricing.price) == (Decimal("12.5"), Decimal("12.5"))
    assert pricing.extended_price == Decimal("300")  # 2 seats × 12 months × 12.50


def test_the_order_keeps_each_lines_pricing_and_totals_it(pc_client, make_customer, line):
    customer = make_customer()
    lines = [line(quantity=3), line(("CFQ7TTC0LFLZ", "0001"), quantity=1)]
    cart = pc_client.create_cart(customer.id, lines)
    (order,) = pc_client.checkout_cart(customer.id, cart.id).orders
    assert [ln.pricing.extended_price for ln in order.lines] == [Decimal("45"),
                                                                Decimal("43.2")]
