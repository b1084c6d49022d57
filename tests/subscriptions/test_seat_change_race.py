"""S2/B3: licences removed by two requests at once (a double submit, two admins) are
credited once, on both databases. Both requests read 10 seats, both asked Partner Center
for 5, and both recorded "from 10 to 5", which billing credits per event: ten seats
credited for five removed. The second is now recorded against the seats the first left;
and as a seat change reads Partner Center's seats before it judges (subscriptions.
write_answer.mirror_read), the second finds the first's 5 there, waits for its commit under
the row's lock, and has nothing left to send."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from accounts.models import User
from persistence import db
from subscriptions import services
from subscriptions.models import Subscription, SubscriptionEvent
from tests.races import race


@pytest.fixture
def app(app_on_each_backend):
    return app_on_each_backend


def test_s2_b3_seats_removed_by_two_requests_at_once_are_credited_once(app, world, buy,
                                                                       pc_client, pc_sandbox):
    sub = buy(quantity=10)
    sub_id, user_id = sub.id, world.reseller_a_user.id

    def remove_five():
        changed = services.change_quantity(db.session.get(Subscription, sub_id), 5,
                                           db.session.get(User, user_id), pc_client)
        return changed.quantity

    waited, outcomes = race({"A": app, "B": app}, "subscription_events", remove_five)
    assert waited and outcomes == {"A": 5, "B": 5}
    changes = [(e.data["before"], e.data["after"]) for e in db.session.scalars(
        select(SubscriptionEvent).where(SubscriptionEvent.kind == "quantity")
        .order_by(SubscriptionEvent.id))]
    # Five seats credited (B3), once: the second request reads Partner Center's 5 before
    # judging, waits for the first's commit, and then has nothing to send or record.
    assert changes == [(10, 5)]
    remote = pc_sandbox.data["subscriptions"][sub.pc_subscription_id]["wire"]
    assert remote["quantity"] == db.session.scalar(select(Subscription.quantity)) == 5
