"""B1/C4: a shop line for a plan the customer already holds becomes extra licences on that
subscription, at its term price; the cart, the review's quote, the API's dry run, the order
line and the charge all say that price, and the review says why."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import func, select

from agreements import mca
from billing.charges import generate_charges
from billing.models import Charge
from catalog.models import ResellerMarkup
from connectors.partner_center.sandbox import seed
from orders.models import Order
from persistence import db
from provisioning.jobs import provision_order
from tests.api.factories import bearer
from tests.billing.conftest import price_in, provisioned
from tests.catalog.test_catalog_rows import statements
from tests.conftest import login, post_form


def held_at_ten_with_todays_price_twelve(shop, clock, pc_client):
    """Reseller A's customer holds 10 licences bought at 10.00; a 50% markup since makes
    today's price of the same plan 12.00."""
    clock.move_to(datetime(2021, 7, 1, 9, tzinfo=UTC))
    user, customer = shop.reseller_a_user, shop.customer_a
    price = price_in(shop, "DE", "EUR", "10.00")
    sub = provisioned(customer, user, price, 10, pc_client)
    db.session.add(ResellerMarkup(reseller_id=shop.reseller_a.id, product_id=None,
                                  markup_percent=Decimal("50")))
    mca.record_acceptance(customer=customer, user=user, signer=mca.Signer(
        "Ada", "Lovelace", "ada@example.com"), template_id=seed.MCA_TEMPLATE_ID,
        version=seed.MCA_TEMPLATE_ID, date_agreed=date(2021, 7, 1))  # K5 for this checkout
    db.session.commit()
    return sub, price


LOOKUP = "subscriptions.pc_subscription_id = "  # a SELECT of a subscription by its PC id


def test_c4_a_converted_shop_line_is_reviewed_ordered_and_charged_at_the_terms_price(
        client, shop, clock, pc_client):
    sub, price = held_at_ten_with_todays_price_twelve(shop, clock, pc_client)
    customer = shop.customer_a
    login(client, shop.reseller_a_user)
    post_form(client, "/cart/add", {"customer": customer.id, "price_id": price.id,
                                    "quantity": "5"}, token_url=f"/cart?customer={customer.id}")
    page = client.get(f"/cart?customer={customer.id}").get_data(as_text=True)
    [unit] = re.findall(r'<td class="num"[^>]*>([^<]+) <small class="muted">per license', page)
    [total] = re.findall(r'<td class="num" id="total-monthly">([^<]+) ', page)
    assert (unit, total) == ("10,00\xa0€", "50,00\xa0€")  # the term price, not today's 12,00
    assert 'id="line-0-price-note"' in page and "at its term price (C4)" in page
    [quote] = re.findall(r'name="quote" value="([^"]+)"', page)
    placed = post_form(client, f"/cart/{customer.id}/place",
                       {"idempotency_key": "c4-converted", "quote": html.unescape(quote)},
                       token_url=f"/cart?customer={customer.id}")
    assert placed.status_code == 302, placed.get_data(as_text=True)  # no B1.price_changed
    order = db.session.scalar(select(Order).order_by(Order.id.desc()))
    [line] = order.lines
    assert (line.action, line.target_subscription_id) == ("add_licenses", sub.id)
    assert (line.unit_price, line.amount, order.total) == (
        Decimal("10.00"), Decimal("50.00"), Decimal("50.00"))
    assert provision_order(order.id, pc_client) == "provisioned"
    generate_charges("2021-07", date(2021, 7, 31))
    added = db.session.scalars(select(Charge).where(Charge.charge_type == "addQuantity")).all()
    assert {c.unit_price for c in added} == {Decimal("10.00")}
    # added on the term's first day: the whole month, exactly what the review totalled
    assert db.session.scalar(select(func.sum(Charge.amount)).where(
        Charge.charge_type == "addQuantity")) == Decimal("50.00")


def test_c4_the_api_dry_run_prices_a_converted_line_at_the_terms_price_and_says_why(
        client, shop, clock, pc_client):
    _, price = held_at_ten_with_todays_price_twelve(shop, clock, pc_client)
    as_a = bearer(shop.reseller_a_user)
    body = {"customer_id": shop.customer_a.id, "lines": [{"price_id": price.id, "quantity": 5}]}
    check = client.post("/api/v1/checkout/validate", json=body, headers=as_a).get_json()
    assert (check["unit_prices"], check["total"]) == (["10.0000"], "50.0000")
    assert "at its term price (C4)" in check["price_notes"][0]
    body["lines"][0]["expected_unit_price"] = check["unit_prices"][0]
    placed = client.post("/api/v1/orders", json={**body, "expected_total": check["total"]},
                         headers={**as_a, "Idempotency-Key": "c4-api"})
    assert placed.status_code == 201, placed.get_json()  # no B1.price_changed
    [line] = db.session.get(Order, placed.get_json()["id"]).lines
    assert (line.action, line.unit_price) == ("add_licenses", Decimal("10.00"))


def test_b1_a_review_at_todays_price_of_a_converted_line_is_refused_with_the_terms_price(
        client, shop, clock, pc_client):
    _, price = held_at_ten_with_todays_price_twelve(shop, clock, pc_client)
    orders = db.session.scalar(select(func.count(Order.id)))
    body = {"customer_id": shop.customer_a.id, "expected_total": "60.0000",
            "lines": [{"price_id": price.id, "quantity": 5, "expected_unit_price": "12.00"}]}
    placed = client.post("/api/v1/orders", json=body, headers={
        **bearer(shop.reseller_a_user), "Idempotency-Key": "c4-stale"})
    assert placed.status_code == 422
    changed = {p["code"]: p for p in placed.get_json()["error"]["problems"]}
    assert Decimal(changed["B1.price_changed"]["current"]) == Decimal("10.00")
    assert db.session.scalar(select(func.count(Order.id))) == orders  # nothing ordered


def test_c4_the_cart_page_looks_a_converted_lines_subscription_up_once(
        client, shop, clock, pc_client):
    """The price and the note of a converted line come from one lookup of the subscription
    it adds to (by Partner Center id): the page asked twice, once for each."""
    sub, price = held_at_ten_with_todays_price_twelve(shop, clock, pc_client)
    customer = shop.customer_a
    login(client, shop.reseller_a_user)
    post_form(client, "/cart/add", {"customer": customer.id, "price_id": price.id,
                                    "quantity": "5"}, token_url=f"/cart?customer={customer.id}")
    with statements() as sent:
        page = client.get(f"/cart?customer={customer.id}").get_data(as_text=True)
    assert "at its term price (C4)" in page and "10,00\xa0€" in page
    assert sum(LOOKUP in statement for statement in sent) == 1


def test_c4_placing_a_converted_line_looks_its_subscription_up_once(
        client, shop, clock, pc_client):
    """Placing prices the line for B1's quote check and for the order line, and records
    the subscription it adds to: all three from one lookup (it was three)."""
    sub, price = held_at_ten_with_todays_price_twelve(shop, clock, pc_client)
    body = {"customer_id": shop.customer_a.id, "expected_total": "50.0000",
            "lines": [{"price_id": price.id, "quantity": 5, "expected_unit_price": "10.00"}]}
    with statements() as sent:
        placed = client.post("/api/v1/orders", json=body, headers={
            **bearer(shop.reseller_a_user), "Idempotency-Key": "c4-once"})
    assert placed.status_code == 201, placed.get_json()
    [line] = db.session.get(Order, placed.get_json()["id"]).lines
    assert (line.target_subscription_id, line.unit_price) == (sub.id, Decimal("10.00"))
    assert sum(LOOKUP in statement for statement in sent) == 1
