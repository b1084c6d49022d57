"""A subscription mirrored from Partner Center (no order line here) is priced at its plan's
row in its buyer's market (C7) that sold on its term's first day (catalog/effective.py;
Microsoft keeps a term's price): its cancellation refund (S3/B3) and the licenses added to
it (S2/B1) follow a price-list row that took over on its start date for a term begun since,
never another market's row, and a term begun before keeps the row it began with.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine

from catalog.models import Price
from catalog.queries import buyer_price, markups_for
from orders.cart import term_price
from persistence import db
from subscriptions import services
from subscriptions.models import Subscription
from tests.catalog.test_price_effective_dates import DAWN, EVE, START, successor
from tests.conftest import move_to


def imported(world, at, customer=None, began=None) -> Subscription:
    """Four licenses of the plan's one-month term, bought in Partner Center an hour ago (or
    at `began`)."""
    customer = customer or world.customer_a
    began = began or at - timedelta(hours=1)
    product = world.price.sku.product
    sub = Subscription(customer=customer, reseller_id=customer.reseller_id, product=product,
                       title=product.title, family=product.family, billing_cycle="monthly",
                       term_duration="P1M", quantity=4, status="active",
                       purchased_at=began, term_start=began,
                       term_end=at + timedelta(days=30))
    db.session.add(sub)
    db.session.commit()
    return sub


def buyers(sub: Subscription, price: Price) -> Decimal:
    return Decimal(buyer_price(price, price.sku.product_id, markups_for(sub.reseller_id)))


@pytest.mark.parametrize("moment", [EVE, DAWN], ids=["eve", "start_date"])
def test_s3_b1_an_imported_subscription_is_refunded_and_extended_at_its_terms_row(
        world, moment):
    new = successor(world.price, START, "14.00")
    with time_machine.travel(moment, tick=False):
        sub = imported(world, moment, began=moment)  # its term began now
        sold = new if moment == DAWN else world.price
        expected = buyers(sub, sold)
        assert expected != buyers(sub, world.price if sold is new else new)
        quote = services.cancellation_quote(sub)
        assert quote.credit.unit_price == expected
        assert quote.amount == expected * 4  # within 24 hours: in full
        assert term_price(sub) == expected  # what added licenses are billed at
        assert services.price_of(sub) == sold


def test_b1_a_term_begun_before_a_new_row_started_keeps_its_row(world):
    """Bought the evening before the new row took over: the term's price stays the old row's
    after it (Microsoft keeps a term's price), for its refund and added licenses alike."""
    successor(world.price, START, "14.00")
    with time_machine.travel(DAWN, tick=False):
        sub = imported(world, DAWN, began=EVE)
        assert services.price_of(sub) == world.price
        assert term_price(sub) == buyers(sub, world.price)
        assert services.cancellation_quote(sub).credit.unit_price == buyers(sub, world.price)


def test_c7_an_imported_subscription_is_priced_in_its_buyers_market(world):
    euro = Price(sku=world.price.sku, term_duration="P1M", billing_cycle="monthly",
                 market="DE", currency="EUR", unit_price=Decimal("10.40"),
                 erp_price=Decimal("13.00"))
    db.session.add(euro)
    move_to(world.customer_a, "DE")  # C7: the euro row is its market's
    db.session.commit()
    with time_machine.travel(DAWN, tick=False):
        sub = imported(world, DAWN)  # Alpha GmbH: Germany
        quote = services.cancellation_quote(sub)
    assert (quote.currency, quote.credit.unit_price) == ("EUR", buyers(sub, euro))
    assert services.price_of(sub) == euro


def test_a_plan_with_no_row_sold_today_falls_back_to_its_row(world):
    world.price.effective_end = START - timedelta(days=1)
    db.session.commit()
    with time_machine.travel(DAWN, tick=False):
        sub = imported(world, DAWN)
        assert services.price_of(sub) == world.price
