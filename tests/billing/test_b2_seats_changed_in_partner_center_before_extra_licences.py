"""B2: extra licences an order adds count from the seats Partner Center holds, and the seats
changed in its portal since the hourly sync last saw the subscription are billed too: with 5
added there (15 there, 10 here), an order of 2 extra sent 17, as it should, but recorded only
"15 to 17": the portal's 5 were copied onto the row unrecorded and never charged (the next
pass found 17 on both sides). Provisioning now records them as the sync would, from their
day, before the line counts from them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from billing.runs import run_billing
from persistence import db
from subscriptions.models import Subscription
from subscriptions.sync import sync_all
from tests.billing.conftest import price_in, provisioned
from tests.billing.test_b2_b3_partner_center_changes import (
    JUNE_END,
    charges,
    in_partner_center,
)


def _seat_events(sub: Subscription) -> list[tuple]:
    db.session.expire_all()
    return [(e.kind, e.data["before"], e.data["after"])
            for e in db.session.get(Subscription, sub.id).events
            if e.kind in ("quantity", "licenses_added")]


def test_b2_seats_added_in_the_portal_before_extra_licences_are_billed_once(
        shop, clock, agent, pc_client):
    price = price_in(shop, "DE", "EUR", "10.08")
    sub = provisioned(shop.customer_a, agent, price, 10, pc_client)  # 18 June, 09:00
    clock.move_to(datetime(2021, 6, 20, 23, tzinfo=UTC))
    in_partner_center(pc_client, sub, quantity=15)
    clock.move_to(datetime(2021, 6, 21, 0, 30, tzinfo=UTC))  # before the sync's pass
    provisioned(shop.customer_a, agent, price, 2, pc_client, add_to=sub)
    assert pc_client.get_subscription(sub.tenant_id, sub.pc_subscription_id).quantity == 17
    assert _seat_events(sub) == [("quantity", 10, 15), ("licenses_added", 15, 17)]
    for hour in (1, 2):  # the next passes find nothing more to record
        clock.move_to(datetime(2021, 6, 21, hour, tzinfo=UTC))
        sync_all(pc_client)
    assert _seat_events(sub) == [("quantity", 10, 15), ("licenses_added", 15, 17)]
    run_billing("2021-06", JUNE_END)
    run_billing("2021-06", JUNE_END)
    # EUR 10.08 for the cycle 18 June - 17 July (30 days): +5 from the portal's 20 June
    # (28 days), +2 from the order's 21 June (27 days), each once.
    assert charges("2021-06")[1:] == [
        ("addQuantity", -10, Decimal("-94.08"), date(2021, 6, 20), date(2021, 7, 17)),
        ("addQuantity", 15, Decimal("141.12"), date(2021, 6, 20), date(2021, 7, 17)),
        ("addQuantity", -15, Decimal("-136.08"), date(2021, 6, 21), date(2021, 7, 17)),
        ("addQuantity", 17, Decimal("154.22"), date(2021, 6, 21), date(2021, 7, 17))]
