"""S1/R5: autorenew cannot be switched on while the provider keeps a subscription suspended.

partner-center-api-2.md §4 "Suspend / reactivate" (subscription-lifecycle): suspending a new
commerce subscription switches autoRenewEnabled off, and Partner Center refuses updates of a
suspended subscription (400/800091 "Can't update a subscription with suspended status",
error-codes). The storefront refuses first, and never says "Autorenew is on." unless
Partner Center's answer says so."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import time_machine

from persistence import db
from subscriptions import renewals, services
from subscriptions.errors import SubscriptionRefused
from tests.api.factories import bearer
from tests.conftest import csrf_token, login
from tests.subscriptions.conftest import patches

START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def suspended(clock, buy, world, pc_client):
    sub = buy(quantity=2)
    renewals.suspend(sub, "Unpaid invoice", world.admin, pc_client)
    assert (sub.status, sub.autorenew) == ("suspended", False)
    return sub


def _switch_on(client, sub):
    return client.post(f"/subscriptions/{sub.id}/autorenew", follow_redirects=True, data={
        "csrf_token": csrf_token(client, "/subscriptions"), "autorenew": "on"})


def test_r5_the_page_refuses_autorenew_on_while_suspended_and_says_when_it_can(
        suspended, client, world, pc_responses):
    sent = len(patches(pc_responses))
    login(client, world.reseller_a_user)
    answer = _switch_on(client, suspended)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422 and "R5.suspended" in page
    assert "Autorenew is on." not in page and "reactivates it" in page
    assert len(patches(pc_responses)) == sent  # nothing was sent to Partner Center
    shown = client.get(f"/subscriptions/{suspended.id}").get_data(as_text=True)
    assert "Turn autorenew on" not in shown and 'id="autorenew-suspended"' in shown
    db.session.refresh(suspended)
    assert suspended.autorenew is False and suspended.events[-1].kind == "suspend"


def test_r5_the_api_refuses_autorenew_on_while_suspended(suspended, client, world):
    response = client.patch(f"/api/v1/subscriptions/{suspended.id}", json={"autorenew": True},
                            headers=bearer(world.reseller_a_user))
    assert response.status_code == 422
    assert response.get_json()["error"]["problems"][0]["code"] == "R5.suspended"
    db.session.refresh(suspended)
    assert suspended.autorenew is False


def test_r5_a_suspension_not_mirrored_yet_is_refused_by_partner_center_not_claimed(
        clock, buy, world, pc_client, pc_sandbox):
    sub = buy(quantity=2)
    services.set_autorenew(sub, False, world.reseller_a_user, pc_client)
    # Suspended in Partner Center itself; the hourly sync has not mirrored it yet.
    pc_client.update_subscription(sub.tenant_id, sub.pc_subscription_id, status="suspended")
    with pytest.raises(SubscriptionRefused) as refused:
        services.set_autorenew(sub, True, world.reseller_a_user, pc_client)
    assert refused.value.code == "R5.suspended"
    db.session.refresh(sub)
    assert sub.autorenew is False and sub.events[-1].kind == "autorenew_refused"
    assert pc_sandbox.data["subscriptions"][sub.pc_subscription_id]["wire"][
        "autoRenewEnabled"] is False


def _answers_autorenew_off(pc_responses) -> None:
    """Partner Center answers the PATCH 200 but with autorenew still off (the HTTP
    boundary: the sandbox's own answer, with that one field changed)."""
    route = next(r for r in pc_responses.registered() if r.method == "PATCH")
    sandbox = route.callback

    def kept_off(request):
        status, headers, body = sandbox(request)
        answer = json.loads(body)
        answer["autoRenewEnabled"] = False
        return status, headers, json.dumps(answer)

    route.callback = kept_off


def test_s1_autorenew_is_not_reported_on_when_partner_center_answers_it_off(
        clock, buy, world, pc_client, pc_responses):
    sub = buy(quantity=2)
    services.set_autorenew(sub, False, world.reseller_a_user, pc_client)
    _answers_autorenew_off(pc_responses)
    with pytest.raises(SubscriptionRefused) as refused:
        services.set_autorenew(sub, True, world.reseller_a_user, pc_client)
    assert refused.value.code == "S1.not_applied"
    db.session.refresh(sub)
    assert sub.autorenew is False
    assert sub.events[-1].kind == "autorenew_refused"
    assert [e.note for e in sub.events].count("Autorenew switched on.") == 0
