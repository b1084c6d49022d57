"""S6: a perpetual licence cancelled by two requests at once (a double submit, two admin
agents) is cancelled once: Partner Center takes an order PATCH of a line it cancelled
already, so both requests wrote "Cancelled; credit …" into the history the customer reads.
The second now finds it cancelled, under the subscription's lock, and records nothing."""

from __future__ import annotations

import pytest
import time_machine
from sqlalchemy import select

from accounts.models import User
from persistence import db
from subscriptions import services
from subscriptions.models import Subscription, SubscriptionEvent
from tests.races import race
from tests.subscriptions.conftest import WINDOWS_SERVER


@pytest.fixture
def app(app_on_each_backend):
    return app_on_each_backend


def test_s6_a_licence_cancelled_twice_at_once_is_cancelled_once(app, world, buy, pc_client):
    sub = buy(WINDOWS_SERVER, "", "one_time", quantity=1, family="perpetual_software")
    world.reseller_a_user.admin_agent = True
    db.session.commit()
    sub_id, user_id, bought = sub.id, world.reseller_a_user.id, sub.purchased_at

    def cancel():
        with time_machine.travel(bought, tick=False):
            return services.cancel(db.session.get(Subscription, sub_id),
                                   db.session.get(User, user_id), pc_client).amount

    waited, outcomes = race({"A": app, "B": app}, "subscription_events", cancel)
    assert waited and outcomes["A"] == outcomes["B"]  # both shown the same quote
    cancels = db.session.scalars(select(SubscriptionEvent.kind).where(
        SubscriptionEvent.subscription_id == sub_id, SubscriptionEvent.kind == "cancel")).all()
    assert cancels == ["cancel"]
    assert db.session.scalar(select(Subscription.status)) == "cancelled"
