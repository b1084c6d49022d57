"""B2: extra licences an order adds count from the seats Partner Center holds, and the seats
changed in its portal since the hourly sync last saw the subscription are billed too: with 5
added there (15 there, 10 here), an order of 2 extra sent 17, as it should, but recorded only
"15 to 17": the portal's 5 were copied onto the row unrecorded and never charged (the next
pass found 17 on both sides). Provisioning now records them as the sync would, from their
day, before the line counts from them.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from persistence import db
from subscriptions.models import Subscription
from tests.billing.conftest import provisioned
from tests.billing.test_b2_b3_partner_center_changes import (
    passes_then_june_billed_twice,
    seats_set_in_the_portal,
)


def _seat_events(sub: Subscription) -> list[tuple]:
    db.session.expire_all()
    return [(e.kind, e.data["before"], e.data["after"])
            for e in db.session.get(Subscription, sub.id).events
            if e.kind in ("quantity", "licenses_added")]


def test_b2_seats_added_in_the_portal_before_extra_licences_are_billed_once(
        shop, clock, agent, pc_client):
    sub = seats_set_in_the_portal(shop, agent, clock, pc_client, 15)
    provisioned(shop.customer_a, agent, sub.order_line.price, 2, pc_client, add_to=sub)
    assert pc_client.get_subscription(sub.tenant_id, sub.pc_subscription_id).quantity == 17
    assert _seat_events(sub) == [("quantity", 10, 15), ("licenses_added", 15, 17)]
    billed = passes_then_june_billed_twice(clock, pc_client)
    # the next passes found nothing more to record
    assert _seat_events(sub) == [("quantity", 10, 15), ("licenses_added", 15, 17)]
    # EUR 10.08 for the cycle 18 June - 17 July (30 days): +5 from the portal's 20 June
    # (28 days), +2 from the order's 21 June (27 days), each once.
    assert billed == [
        ("addQuantity", -10, Decimal("-94.08"), date(2021, 6, 20), date(2021, 7, 17)),
        ("addQuantity", 15, Decimal("141.12"), date(2021, 6, 20), date(2021, 7, 17)),
        ("addQuantity", -15, Decimal("-136.08"), date(2021, 6, 21), date(2021, 7, 17)),
        ("addQuantity", 17, Decimal("154.22"), date(2021, 6, 21), date(2021, 7, 17))]
