"""R4/B3: a storefront write whose answer shows seats gone from the subscription, and
whose read of its transitions Partner Center does not answer, leaves those seats for the
sync's next pass, as the sync does (subscriptions.transition_reads): judged without them,
seats an upgrade made in Partner Center's portal moved were credited as removed."""

from __future__ import annotations

import pytest

from persistence import db
from provisioning.jobs import provision_order
from provisioning.licenses import NotReady
from subscriptions import services
from subscriptions.errors import SubscriptionRefused
from subscriptions.models import Subscription
from subscriptions.sync import sync_all
from tests.billing.conftest import order
from tests.conftest import login, make_price
from tests.subscriptions.test_sync import TRANSITIONS
from tests.subscriptions.test_sync import _seen as seen_on
from tests.subscriptions.test_sync import _upgrade_in_partner_center as upgrade_there


@pytest.fixture
def upgraded_unanswered(buy, pc_client, pc_sandbox) -> Subscription:
    """5 seats seen by a pass, 2 of them upgraded in Partner Center since; its transitions
    not answered (503) until the faults are cleared."""
    sub = buy(quantity=5)
    sync_all(pc_client)
    upgrade_there(pc_client, sub, 2)
    pc_sandbox.add_fault(endpoint=TRANSITIONS, status=503, count=None)
    return sub


def test_r4_b3_an_autorenew_switch_leaves_seats_upgraded_unanswered_for_the_next_pass(
        upgraded_unanswered, world, pc_client, pc_sandbox):
    sub = upgraded_unanswered
    services.set_autorenew(sub, False, world.reseller_a_user, pc_client)
    db.session.expire_all()
    sub = db.session.get(Subscription, sub.id)
    assert (sub.autorenew, sub.quantity) == (False, 5)  # its own change; the seats wait
    assert seen_on(sub) == (5, [("autorenew", None, None)])  # nothing credited as removed
    pc_sandbox.faults.clear()
    sync_all(pc_client)
    sync_all(pc_client)
    assert seen_on(sub) == (3, [("autorenew", None, None), ("upgrade", 5, 3)])


def test_r4_s2_a_seat_change_is_refused_while_the_transitions_of_seats_gone_are_unanswered(
        upgraded_unanswered, world, pc_client, pc_sandbox):
    # Judged on the row's 5 seats the change would be the bug S2/B2 fixed; judged on
    # Partner Center's 3, the 2 upgraded would be credited as removed.
    with pytest.raises(SubscriptionRefused) as refused:
        services.change_quantity(upgraded_unanswered, 4, world.reseller_a_user, pc_client)
    assert refused.value.code == "PC.transitions_unanswered"
    # nothing judged, the refusal kept in the history as a refused call is
    assert seen_on(upgraded_unanswered) == (5, [("quantity_refused", None, None)])
    assert upgraded_unanswered.events[-1].note == refused.value.message
    pc_sandbox.faults.clear()
    sync_all(pc_client)
    assert seen_on(upgraded_unanswered) == (3, [("quantity_refused", None, None),
                                                ("upgrade", 5, 3)])


def test_r4_a_cancellation_is_refused_and_kept_while_the_transitions_are_unanswered(
        upgraded_unanswered, world, pc_client):
    world.reseller_a_user.admin_agent = True
    db.session.commit()
    with pytest.raises(SubscriptionRefused) as refused:
        services.cancel(upgraded_unanswered, world.reseller_a_user, pc_client)
    assert refused.value.code == "PC.transitions_unanswered"
    db.session.expire_all()
    sub = db.session.get(Subscription, upgraded_unanswered.id)
    assert sub.status != "cancelled"
    assert [e.kind for e in sub.events][-1] == "cancel_refused"


def test_r4_b3_extra_licences_wait_while_the_transitions_of_seats_gone_are_unanswered(
        upgraded_unanswered, world, pc_client, pc_sandbox):
    # The order counts from Partner Center's seats (B2): judged without the transitions,
    # the 2 upgraded would be credited as removed before the 2 extra are added.
    placed = order(world.customer_a, world.reseller_a_user, world.price, 2,
                   add_to=upgraded_unanswered)
    with pytest.raises(NotReady, match="did not say whether an upgrade moved them"):
        provision_order(placed.id, pc_client)
    assert seen_on(upgraded_unanswered) == (5, [])
    pc_sandbox.faults.clear()
    assert provision_order(placed.id, pc_client) == "provisioned"
    db.session.expire_all()
    sub = db.session.get(Subscription, upgraded_unanswered.id)
    assert sub.quantity == 5  # Partner Center's 3 and the order's 2
    assert [e.kind for e in sub.events if e.kind in ("upgrade", "licenses_added")] == [
        "upgrade", "licenses_added"]


def test_r4_the_upgrade_page_says_why_while_the_transitions_of_seats_gone_are_unanswered(
        upgraded_unanswered, world, client):
    make_price(title="Microsoft 365 E3", product_id="CFQ7TTC0LFLZ", family="microsoft365")
    db.session.commit()
    login(client, world.reseller_a_user)
    page = client.get(f"/subscriptions/{upgraded_unanswered.id}/upgrade")
    assert page.status_code == 200  # was a 500: the refusal was not the page's to show
    assert "did not say whether an upgrade moved them" in page.get_data(as_text=True)
    assert seen_on(upgraded_unanswered) == (5, [])
