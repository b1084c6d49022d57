"""S2/R1/B1 and the price list's tiers after purchase: a subscription Partner Center holds
that we did not sell (mirrored, no order line) is priced at the tier of its licences, and
a renewal is quoted at the tier of the quantity it renews with (R2's reminder, the sync's
recorded price)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from persistence import db
from subscriptions import renewals
from subscriptions.services import price_of, term_unit_price_now
from tests.api.factories import make_subscription
from tests.checkout.test_s2_price_tiers import upper_tier
from tests.conftest import make_customer


@pytest.fixture
def tiers(world):
    """The world's plan in two tiers: 1-300 licences at 12.50, 301+ at 11.00."""
    low = world.price
    low.tier_max = 300
    high = upper_tier(low, 301, None, "9.00", "11.00")
    db.session.commit()
    return low, high


@pytest.fixture
def customer(world):
    """A direct customer in the price's market (US): it pays the retail price."""
    found = make_customer(None, "Gamma Inc", country="US", city="Redmond", region="WA",
                          postal_code="98052")
    db.session.add(found)
    db.session.commit()
    return found


def test_s2_a_mirrored_subscription_is_priced_at_the_tier_of_its_licences(
        world, tiers, customer):
    low, high = tiers
    big = make_subscription(customer, low, quantity=400)
    small = make_subscription(customer, low, quantity=20)
    assert price_of(big) == high and term_unit_price_now(big) == Decimal("11.00")
    assert price_of(small) == low and term_unit_price_now(small) == Decimal("12.50")


def test_r1_a_renewal_is_quoted_at_the_tier_of_the_quantity_it_renews_with(
        world, tiers, customer):
    low, _ = tiers
    sub = make_subscription(customer, low, quantity=400, autorenew=True)
    assert renewals.quote_next_term(sub).unit_price == Decimal("11.00")
    sub.next_term = {"quantity": 100, "term_duration": low.term_duration,
                     "billing_cycle": low.billing_cycle}
    db.session.commit()
    assert renewals.quote_next_term(sub).unit_price == Decimal("12.50")
