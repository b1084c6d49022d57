"""R6 co-terming against the Partner Center sandbox on a frozen clock: a new line offered
the customer's subscriptions it may end with, the date checked with Partner Center's custom
term end dates, the prorated first term shown before the order, and the date sent as the
cart line's customTermEndDate so the new subscription ends with the other one."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import select

from catalog.models import Price
from catalog.pricing import buyer_locale, format_money
from catalog.queries import buyer_price, markups_for
from connectors.partner_center.sandbox import seed
from orders import cart as carts
from orders import coterming
from orders.models import Order
from persistence import db
from persistence.money import charge_amount
from provisioning.jobs import run_job
from subscriptions.models import Subscription
from tests.conftest import csrf_token, login, make_price
from tests.provisioning.factories import BUSINESS_STANDARD, E3, customer, make_order, reseller_user

# A P1M term bought then ends on 2 April (its last day, new commerce end dates being
# inclusive) and the next term starts at 00:00 UTC on 3 April.
START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
LATER = START + timedelta(days=10)  # 13 March: 21 of the new month's 31 days are left


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def _e3_in_cart(world):
    price = make_price(title="Microsoft 365 E3", product_id="CFQ7TTC0LFLZ",
                       family="microsoft365", cost="30.00", erp="36.00")
    db.session.commit()
    cart = carts.cart_for(world.reseller_a_user, world.customer_a)
    return carts.add_line(cart, price.id, 4)


def _post(client, url: str, **data):
    return client.post(url, data={"csrf_token": csrf_token(client, "/cart"), **data})


def test_r6_a_new_line_ends_with_the_subscription_chosen_at_a_prorated_price(
        clock, buy, client, world, pc_responses):
    existing = buy(quantity=2)
    clock.move_to(LATER)
    line = _e3_in_cart(world)
    login(client, world.reseller_a_user)
    page = client.get(f"/cart?customer={world.customer_a.id}").get_data(as_text=True)
    assert f'<option value="{existing.id}"' in page  # offered before anything is chosen
    assert "), ending 2025-04-02</option>" in page  # its last day, the date it would share
    url = f"/cart/{world.customer_a.id}/lines/{line.id}/coterm"
    assert _post(client, url, subscription_id=str(existing.id)).status_code == 302
    asked = [c.request.url for c in pc_responses.calls if "customTermEndDates" in c.request.url]
    assert len(asked) == 1 and "term_duration=P1M" in asked[0]
    # customTermEndDate is the first term's last day, as Partner Center's allowed dates are.
    assert (line.custom_term_end, line.coterm_subscription_id) == (date(2025, 4, 2),
                                                                   existing.id)
    unit = Decimal(buyer_price(line.price, line.price.sku.product_id,
                               markups_for(world.customer_a.reseller_id)))
    expected = charge_amount(unit / 31 * 21, 4, "USD")  # 21 of the 31 days, 4 licenses
    first = coterming.first_term(line, LATER.date())
    assert (first.days, first.term_days, first.amount) == (21, 31, expected)
    assert expected < unit * 4
    page = client.get(f"/cart?customer={world.customer_a.id}").get_data(as_text=True)
    assert "First term ends on 2025-04-02" in page and "21 of 31 days" in page
    customer = world.customer_a
    shown = format_money(expected, "USD", buyer_locale(customer.language, customer.country))
    assert f"<strong>{shown}</strong> for 4 licenses, prorated" in page


def test_r6_a_subscription_ending_outside_the_new_term_is_not_offered_nor_accepted(
        clock, buy, client, world, pc_responses):
    yearly = Price(sku=world.price.sku, term_duration="P1Y", billing_cycle="annual",
                   market="US", currency="USD", unit_price=Decimal("120.00"),
                   erp_price=Decimal("150.00"))
    db.session.add(yearly)
    db.session.commit()
    annual = buy(term="P1Y", cycle="annual", quantity=1, price=yearly)  # ends in 2026
    clock.move_to(LATER)
    line = _e3_in_cart(world)
    assert coterming.candidates(line, LATER.date()) == []
    login(client, world.reseller_a_user)
    url = f"/cart/{world.customer_a.id}/lines/{line.id}/coterm"
    answer = _post(client, url, subscription_id=str(annual.id))
    assert answer.status_code == 302 and line.custom_term_end is None
    page = client.get(f"/cart?customer={world.customer_a.id}").get_data(as_text=True)
    assert "End date: choose one of the subscriptions offered" in page
    assert not [c for c in pc_responses.calls if "customTermEndDates" in c.request.url]


def test_r6_a_date_partner_center_does_not_allow_is_refused(clock, buy, world, pc_client):
    existing = buy(quantity=2)
    clock.move_to(LATER)
    line = _e3_in_cart(world)
    pc_client.update_subscription(existing.tenant_id, existing.pc_subscription_id,
                                  status="suspended")  # no longer alignable in Partner Center
    with pytest.raises(coterming.CotermError, match="does not allow ending on 02 Apr 2025"):
        coterming.choose(line, existing.id, pc_client, LATER.date())
    assert line.custom_term_end is None


def test_r6_the_cart_line_carries_the_custom_term_end_date_to_partner_center(
        clock, app, pc_client, pc_responses):
    app.config.update(PROVISIONING_BACKOFF_SECONDS=0, PROVISIONING_POLL_SECONDS=0)
    user = reseller_user()
    buyer = customer(user, tenant_id=seed.TENANT_WITH_DAP_ID, tenant_mode="existing",
                     tenant_domain=seed.TENANT_WITH_DAP_DOMAIN)
    run_job(make_order(user, buyer, lines=((BUSINESS_STANDARD, 2),)).id, pc_client)
    first = db.session.scalars(select(Subscription)).one()
    clock.move_to(LATER)
    order = make_order(user, buyer, lines=((E3, 3),))
    order.lines[0].custom_term_end = coterming.end_date(first)  # its last day: 2 April
    db.session.commit()
    run_job(order.id, pc_client)
    carts_sent = [json.loads(c.request.body) for c in pc_responses.calls
                  if c.request.method == "POST" and c.request.url.endswith("/carts")]
    assert carts_sent[-1]["lineItems"][0]["customTermEndDate"] == "2025-04-02T00:00:00"
    order = db.session.get(Order, order.id)
    assert order.status == "provisioned"
    new = db.session.scalars(select(Subscription).where(Subscription.id != first.id)).one()
    assert new.term_end.replace(tzinfo=UTC) == first.term_end.replace(tzinfo=UTC)


def test_r6_billing_charges_the_shortened_first_term_at_the_amount_the_cart_quotes(
        clock, app, pc_client):
    """B1/B5 with R6: the co-termed subscription's first charge is the one prorated amount
    (the cart's quote comes from the same function), and its next term renews whole from
    the aligned end date."""
    from billing.charges import generate_charges
    from billing.models import Charge
    from persistence.money import add_months, shortened_term_amount

    app.config.update(PROVISIONING_BACKOFF_SECONDS=0, PROVISIONING_POLL_SECONDS=0)
    user = reseller_user()
    buyer = customer(user, tenant_id=seed.TENANT_WITH_DAP_ID, tenant_mode="existing",
                     tenant_domain=seed.TENANT_WITH_DAP_DOMAIN)
    run_job(make_order(user, buyer, lines=((BUSINESS_STANDARD, 2),)).id, pc_client)
    first = db.session.scalars(select(Subscription)).one()
    clock.move_to(LATER)
    order = make_order(user, buyer, lines=((E3, 3),))
    line = order.lines[0]
    line.custom_term_end = end = coterming.end_date(first)  # the last day, 2 April
    over = end + timedelta(days=1)  # the first term is over, and the next begins, on 3 April
    db.session.commit()
    run_job(order.id, pc_client)
    new = db.session.scalars(select(Subscription).where(Subscription.id != first.id)).one()
    bought = LATER.date()
    generate_charges("2025-03", date(2025, 3, 31))
    charge = db.session.scalars(select(Charge).where(Charge.subscription_id == new.id)).one()
    expected = shortened_term_amount(line.unit_price, 3, line.currency, bought,
                                     add_months(bought, 1), over)
    assert charge.amount == expected < charge_amount(line.unit_price, 3, line.currency)
    assert (charge.charge_type, charge.period_start, charge.period_end) == (
        "new", bought, end)
    generate_charges("2025-04", date(2025, 4, 30))
    renewal = db.session.scalars(select(Charge).where(Charge.subscription_id == new.id,
                                                      Charge.id != charge.id)).one()
    assert (renewal.charge_type, renewal.period_start) == ("renew", over)
    assert renewal.amount == charge_amount(line.unit_price, 3, line.currency)
