"""S2/B2/B3: the sync leaves a row a storefront write stamped after the sync's list for its
next pass even when the web worker's clock is behind the sync's (subscriptions.mirrored_at).

On PostgreSQL the web workers and the sync run on several hosts. The row's stamp was the
web worker's clock and the list's time the sync's: a web host 30 seconds behind stamped
a seat change Partner Center answered after the list as older than it, and the sync
judged the list's 10 seats against the request's 5: "5 added in Partner Center" charged
(B2), and the next pass's list of 5 credited them back (B3). Both times now come from the
database's clock. SQLite runs on one host, whose clock both read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from persistence import db
from subscriptions.sync import sync_all
from tests.subscriptions.test_sync_seat_change_race import seat_changes
from tests.subscriptions.test_sync_stale_list import remove_five, row, sync_then

SKEW = timedelta(seconds=30)  # the web worker's clock behind the sync worker's


@pytest.fixture
def app(app_on_each_backend):
    return app_on_each_backend


def behind(request):
    """`request`, run on a host whose clock is SKEW behind (ticking)."""
    def run():
        with time_machine.travel(datetime.now(UTC) - SKEW, tick=True):
            return request()
    return run


def test_s2_b2_b3_a_seat_change_stamped_by_a_web_clock_behind_the_sync_waits_for_the_next_pass(
        app, world, buy, pc_client):
    if db.engine.dialect.name == "sqlite":
        pytest.skip("SQLite runs on one host: web request and sync read the same clock")
    sub = buy(quantity=10)
    sync_all(pc_client)
    sub_id, user_id = sub.id, world.reseller_a_user.id

    outcomes = sync_then(app, pc_client, behind(remove_five(sub_id, user_id, pc_client)))
    assert outcomes == {"A": 0, "B": 5}
    assert row(sub_id).quantity == 5  # not the list's 10 written over the request's 5
    assert sync_all(pc_client).failed == 0
    assert seat_changes() == [(10, 5, user_id, None, "Licenses changed from 10 to 5.")]
    assert [e.kind for e in row(sub_id).events] == ["quantity"]
