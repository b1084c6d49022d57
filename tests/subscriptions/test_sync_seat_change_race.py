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

import random
import threading
import time

import pytest
import requests
from sqlalchemy import event, select

from accounts.models import User
from connectors.partner_center.auth import SandboxTokenProvider
from connectors.partner_center.client import LIVE_BASE_URL, PartnerCenterClient
from connectors.partner_center.sandbox import seed
from persistence import db
from subscriptions.models import Subscription, SubscriptionEvent
from subscriptions.services import change_quantity
from subscriptions.sync import sync_all
from tests.races import race

PATCH = "PATCH /v1/customers/*/subscriptions/*"


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


class SyncMeanwhile:
    """The client's wait before it asks again (its sleeper): the sync's pass runs in its
    own thread until just after its INSERT of a seat change, held there for a second
    before its commit, while the request goes on."""

    def __init__(self, app, pc_client) -> None:
        self.app, self.pc_client = app, pc_client
        self.reached, self.outcome = threading.Event(), None
        self.thread: threading.Thread | None = None

    def __call__(self, _seconds: float) -> None:
        if self.thread is None:
            self.thread = threading.Thread(target=self._run, name="sync")
            self.thread.start()
            assert self.reached.wait(timeout=30)

    def _run(self) -> None:
        def hold(conn, cursor, statement, parameters, context, executemany):
            if statement.startswith("INSERT INTO subscription_events ") and \
                    threading.current_thread().name == "sync":
                self.reached.set()
                time.sleep(1)  # the request reaches the row's lock meanwhile

        with self.app.app_context():
            event.listen(db.engine, "after_cursor_execute", hold)
            try:
                self.outcome = sync_all(self.pc_client).failed
            finally:
                event.remove(db.engine, "after_cursor_execute", hold)
                db.session.remove()


def test_s2_b3_seats_the_sync_saw_first_are_the_requests_change_credited_once(
        app, world, buy, pc_client, pc_sandbox):
    sub = buy(quantity=10)
    # The request read 10 in Partner Center; Partner Center applies its PATCH but the
    # answer is lost, and while the client waits to ask again (same MS-RequestId) the sync
    # reads 5 there and records "10 to 5 in Partner Center", committing first.
    pc_sandbox.add_fault("timeout", PATCH, count=1)
    meanwhile = SyncMeanwhile(app, pc_client)
    request = PartnerCenterClient(requests.Session(), LIVE_BASE_URL,
                                  SandboxTokenProvider(seed.PARTNER_TENANT_ID),
                                  sleeper=meanwhile, rng=random.Random(7))  # noqa: S311
    assert change_quantity(sub, 5, world.reseller_a_user, request).quantity == 5
    meanwhile.thread.join(timeout=30)
    assert meanwhile.outcome == 0
    # One change, the request's, credited once: not "from 5 to 5" beside the sync's
    assert seat_changes() == [(10, 5, world.reseller_a_user.id, None,
                               "Licenses changed from 10 to 5.")]
