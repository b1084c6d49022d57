"""S2/B3: a seat change made in the storefront and the hourly sync meeting on one
subscription count its seats once, on both databases.

The request asks Partner Center for 5 of 10 seats, then records "from 10 to 5", which
billing credits. The sync reads Partner Center's list, then the local row, and records a
count that differs as a change made in Partner Center, which billing credits too. When
the sync read Partner Center after the request's PATCH and the row before its commit,
both recorded "from 10 to 5": ten seats credited for five removed. The sync now judges a
row that differs under its lock, as committed; and when the sync committed first, the
request takes its record as its own rather than adding "from 5 to 5"."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from accounts.models import User
from persistence import db
from subscriptions.models import Subscription, SubscriptionEvent
from subscriptions.services import change_quantity
from subscriptions.sync import sync_all
from tests.races import race


@pytest.fixture
def app(app_on_each_backend):
    return app_on_each_backend


def racers(sub_id: int, user_id: int, pc_client, first: str) -> dict[str, object]:
    """`first` runs first and is held before its commit; the other then runs."""
    def remove_five():
        return change_quantity(db.session.get(Subscription, sub_id), 5,
                               db.session.get(User, user_id), pc_client).quantity

    def sync():
        return sync_all(pc_client).failed

    acts = {"request": remove_five, "sync": sync}
    return {"A": acts[first], "B": acts["sync" if first == "request" else "request"]}


def seat_changes() -> list[tuple]:
    """The history's seat changes billing charges or credits from (B2, B3)."""
    return [(e.data["before"], e.data["after"], e.user_id, e.data.get("seen_in"), e.note)
            for e in db.session.scalars(select(SubscriptionEvent).where(
                SubscriptionEvent.kind == "quantity").order_by(SubscriptionEvent.id))]


def test_s2_b3_seats_removed_while_the_sync_reads_the_row_are_credited_once(
        app, world, buy, pc_client):
    sub = buy(quantity=10)
    sub_id, user_id = sub.id, world.reseller_a_user.id
    acts = racers(sub_id, user_id, pc_client, first="request")

    # The request has Partner Center's answer (5) and is recording it; the sync reads 5
    # there and 10 here, and waits for the request's commit before judging the row.
    waited, outcomes = race({"A": app, "B": app}, "subscription_events",
                            lambda: acts[threading.current_thread().name]())
    assert waited and outcomes == {"A": 5, "B": 0}
    assert seat_changes() == [(10, 5, user_id, None, "Licenses changed from 10 to 5.")]
    assert db.session.scalar(select(Subscription.quantity)) == 5


def test_s2_b3_seats_the_sync_saw_first_are_the_requests_change_credited_once(
        app, world, buy, pc_client):
    sub = buy(quantity=10)
    sub_id, user_id = sub.id, world.reseller_a_user.id
    # Partner Center has applied the request's PATCH (its answer not back yet) when the
    # sync reads it: the sync records "10 to 5 in Partner Center" and commits first.
    pc_client.update_subscription(sub.tenant_id, sub.pc_subscription_id, quantity=5)
    acts = racers(sub_id, user_id, pc_client, first="sync")

    waited, outcomes = race({"A": app, "B": app}, "subscription_events",
                            lambda: acts[threading.current_thread().name]())
    assert waited and outcomes == {"A": 0, "B": 5}
    # One change, the request's, credited once: not "from 5 to 5" beside the sync's
    assert seat_changes() == [(10, 5, user_id, None, "Licenses changed from 10 to 5.")]
