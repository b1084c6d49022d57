"""B1/B5: licenses added within a term cost the term's price, on the cart, on the order
line and on the charges alike, even when the reseller's markup changed since the purchase
(Microsoft keeps a term's price for licenses added within it)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select

from agreements import mca
from billing.charges import generate_charges
from billing.models import Charge
from catalog.models import ResellerMarkup
from connectors.partner_center.sandbox import seed
from orders.models import Order
from persistence import db
from provisioning.jobs import provision_order
from tests.billing.conftest import price_in, provisioned
from tests.conftest import login, post_form


def cart_unit(client, customer) -> str:
    page = client.get(f"/cart?customer={customer.id}").get_data(as_text=True)
    [unit] = re.findall(r'<td class="num"[^>]*>([^<]+) <small class="muted">per license', page)
    return unit


def test_b1_added_licenses_cost_the_terms_price_on_the_cart_the_order_and_the_charges(
        client, shop, clock, pc_client):
    clock.move_to(datetime(2021, 7, 1, 9, tzinfo=UTC))
    user, customer = shop.reseller_a_user, shop.customer_a
    sub = provisioned(customer, user, price_in(shop, "DE", "EUR", "10.00"), 10, pc_client)
    assert sub.order_line.unit_price == Decimal("10.00")  # retail: no markup yet
    db.session.add(ResellerMarkup(reseller_id=shop.reseller_a.id, product_id=None,
                                  markup_percent=Decimal("50")))  # today's price: 12.00
    mca.record_acceptance(customer=customer, user=user, signer=mca.Signer(
        "Ada", "Lovelace", "ada@example.com"), template_id=seed.MCA_TEMPLATE_ID,
        version=seed.MCA_TEMPLATE_ID, date_agreed=date(2021, 7, 1))  # K5 for this checkout
    db.session.commit()
    clock.move_to(datetime(2021, 7, 11, 12, tzinfo=UTC))
    login(client, user)
    post_form(client, f"/subscriptions/{sub.id}/licenses", {"quantity": "5"},
              token_url=f"/subscriptions/{sub.id}")
    assert cart_unit(client, customer) == "10,00\xa0€"  # German locale
    placed = post_form(client, f"/cart/{customer.id}/place", {"idempotency_key": "b1-add"},
                       token_url=f"/cart?customer={customer.id}")
    assert placed.status_code == 302, placed.get_data(as_text=True)
    order = db.session.scalar(select(Order).order_by(Order.id.desc()))
    [line] = order.lines
    assert (line.action, line.quantity, line.unit_price) == ("add_licenses", 5, Decimal("10.00"))
    assert provision_order(order.id, pc_client) == "provisioned"
    generate_charges("2021-07", date(2021, 7, 31))
    added = db.session.scalars(select(Charge).where(Charge.charge_type == "addQuantity")
                               .order_by(Charge.id)).all()
    # 10.00 from 11 to 31 July, 21 of 31 days: 6.774…, on the 10 seats refunded and the 15
    assert {c.unit_price for c in added} == {Decimal("10.00")}
    assert [c.quantity for c in added] == [-10, 15]
