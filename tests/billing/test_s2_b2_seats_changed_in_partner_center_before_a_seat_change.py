"""S2/B2: a seat change is judged and recorded against the seats Partner Center holds, not
the row's: with 5 seats added in Partner Center's portal since the hourly sync last saw
the subscription (15 there, 10 here), asking for 12 removes 3. It was judged as adding 2
(S2 let it through outside the removal window) and recorded "from 10 to 12": 2 seats
charged from today where +5 from the portal's day and −3 from today were owed."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from subscriptions.errors import SubscriptionRefused
from subscriptions.services import change_quantity
from tests.billing.conftest import price_in, provisioned
from tests.billing.test_b2_b3_partner_center_changes import (
    in_partner_center,
    passes_then_june_billed_twice,
    seats_set_in_the_portal,
)

PATCH = "PATCH /v1/customers/*/subscriptions/*"


def _seats(sub) -> list[tuple]:
    return [(e.data["before"], e.data["after"], "seen_at" in e.data)
            for e in sub.events if e.kind == "quantity"]


def test_s2_b2_removal_inside_the_window_after_seats_added_in_the_portal(
        shop, clock, pc_client):
    sub = seats_set_in_the_portal(shop, shop.reseller_a_user, clock, pc_client, 15)
    change_quantity(sub, 12, shop.reseller_a_user, pc_client)  # before the sync's pass
    assert _seats(sub) == [(10, 15, True), (15, 12, False)]
    assert pc_client.get_subscription(sub.tenant_id, sub.pc_subscription_id).quantity == 12
    billed = passes_then_june_billed_twice(clock, pc_client)
    assert len(_seats(sub)) == 2  # the passes add nothing
    # EUR 0.336 a seat and day: +5 from the portal's 20 June (28 days) is +47.04, −3 from
    # today's 21 June (27 days) −27.22; each once, though billing ran twice.
    assert billed == [
        ("addQuantity", -10, Decimal("-94.08"), date(2021, 6, 20), date(2021, 7, 17)),
        ("addQuantity", 15, Decimal("141.12"), date(2021, 6, 20), date(2021, 7, 17)),
        ("removeQuantity", -15, Decimal("-136.08"), date(2021, 6, 21), date(2021, 7, 17)),
        ("removeQuantity", 12, Decimal("108.86"), date(2021, 6, 21), date(2021, 7, 17))]


def test_s2_removal_outside_the_window_after_seats_added_in_the_portal_is_refused(
        shop, clock, pc_client, pc_sandbox):
    sub = provisioned(shop.customer_a, shop.reseller_a_user, price_in(shop, "DE", "EUR",
                                                                       "10.08"), 10, pc_client)
    clock.move_to(datetime(2021, 6, 19, 12, tzinfo=UTC))
    in_partner_center(pc_client, sub, quantity=15)
    clock.move_to(datetime(2021, 6, 28, 12, tzinfo=UTC))  # both tranches' 7 days are over
    patches = pc_sandbox.add_fault(endpoint=PATCH, status=500, count=None)
    with pytest.raises(SubscriptionRefused) as refused:
        change_quantity(sub, 12, shop.reseller_a_user, pc_client)
    assert refused.value.code == "S2.reduction_window_closed"
    assert patches.fired == 0  # nothing was sent to Partner Center
    # What Partner Center changed itself is recorded, from its day, even so.
    assert (sub.quantity, _seats(sub)) == (15, [(10, 15, True)])
    assert not [e for e in sub.events if e.kind == "quantity_refused"]


def test_s2_asking_for_the_seats_partner_center_holds_already_sends_nothing(
        shop, clock, pc_client, pc_sandbox):
    sub = provisioned(shop.customer_a, shop.reseller_a_user, price_in(shop, "DE", "EUR",
                                                                       "10.08"), 10, pc_client)
    in_partner_center(pc_client, sub, quantity=12)
    patches = pc_sandbox.add_fault(endpoint=PATCH, status=500, count=None)
    assert change_quantity(sub, 12, shop.reseller_a_user, pc_client).quantity == 12
    assert patches.fired == 0 and _seats(sub) == [(10, 12, True)]  # no "from 12 to 12"


def test_s2_seat_change_is_refused_when_partner_center_does_not_answer_the_read(
        shop, clock, pc_client, pc_sandbox):
    sub = provisioned(shop.customer_a, shop.reseller_a_user, price_in(shop, "DE", "EUR",
                                                                       "10.08"), 10, pc_client)
    in_partner_center(pc_client, sub, quantity=15)
    pc_sandbox.add_fault(endpoint="GET /v1/customers/*/subscriptions/*", status=503,
                         count=None)
    with pytest.raises(SubscriptionRefused) as refused:
        change_quantity(sub, 12, shop.reseller_a_user, pc_client)
    assert refused.value.rule == "PC"
    assert (sub.quantity, _seats(sub)) == (10, [])
