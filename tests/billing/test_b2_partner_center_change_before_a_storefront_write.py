"""S2/B2: seats someone added in Partner Center itself since the hourly sync last saw the
subscription are charged once, from the day Partner Center added them, even when a
storefront change (autorenew here) mirrors Partner Center's answer before the sync runs:
that answer showed the new count, and copied onto the row without a record, no pass saw a
change to bill."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from billing.runs import run_billing
from subscriptions.services import set_autorenew
from subscriptions.sync import sync_all
from tests.billing.test_b2_b3_partner_center_changes import (
    JUNE_END,
    charges,
    invoice_lines,
    seats_set_in_the_portal,
)


def test_b2_seats_added_in_partner_center_before_an_autorenew_switch_are_charged_once(
        shop, clock, pc_client):
    sub = seats_set_in_the_portal(shop, shop.reseller_a_user, clock, pc_client, 12)
    set_autorenew(sub, False, shop.reseller_a_user, pc_client)  # before the sync's pass
    for hour in (1, 2):
        clock.move_to(datetime(2021, 6, 21, hour, tzinfo=UTC))
        sync_all(pc_client)
    run_billing("2021-06", JUNE_END)
    # As when the sync sees it first (test_b2_b3_partner_center_changes): −94.08, +112.89.
    assert invoice_lines() == [("new", 10, Decimal("100.80")),
                               ("addQuantity", -10, Decimal("-94.08")),
                               ("addQuantity", 12, Decimal("112.89"))]
    assert charges("2021-06")[1][3:] == (date(2021, 6, 20), date(2021, 7, 17))
    assert [e.kind for e in sub.events if e.kind in ("quantity", "autorenew")] == [
        "quantity", "autorenew"]
