"""A change Partner Center never answers (a timeout, a lost connection: no status, no code)
is refused as unanswered, in the history and in the refusal's code, not as "PC.None" and
"Partner Center refused (None)"."""

from __future__ import annotations

import pytest

from persistence import db
from subscriptions import services
from subscriptions.errors import SubscriptionRefused

READ = "GET /v1/customers/*/subscriptions/*"


def test_a_seat_change_partner_center_never_answers_is_refused_as_unanswered(
        buy, world, pc_client, pc_sandbox):
    sub = buy(quantity=5)
    pc_sandbox.add_fault("timeout", READ, count=None)
    with pytest.raises(SubscriptionRefused) as refused:
        services.change_quantity(sub, 4, world.reseller_a_user, pc_client)
    assert refused.value.code == "PC.unanswered"
    db.session.expire_all()
    assert sub.quantity == 5
    assert sub.events[-1].kind == "quantity_refused"
    assert sub.events[-1].note.startswith("Partner Center did not answer: ")


def test_a_seat_change_partner_center_refuses_with_a_status_names_it(
        buy, world, pc_client, pc_sandbox):
    sub = buy(quantity=5)
    pc_sandbox.add_fault("error", READ, status=503, count=None)
    with pytest.raises(SubscriptionRefused) as refused:
        services.change_quantity(sub, 4, world.reseller_a_user, pc_client)
    assert refused.value.code == "PC.503"
    db.session.expire_all()
    assert sub.events[-1].note.startswith("Partner Center refused (503): ")
