"""S2: the subscription page and the API judge a seat change on the seats Partner Center
holds, read first, not on the row's count: with 5 seats added in Partner Center's portal
since the hourly sync last saw the subscription (15 there, 10 here), asking for 12 is a
removal of 3 (S2's window judges it), not an increase to order; a buyer asking for 17
orders 2 extra licences, not 7; the confirmation says "from 15 to 12", and a count that
moved after it was shown is asked about again instead of being applied. The Partner Center
sandbox holds the seats (changed through its own API, the HTTP boundary)."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from orders.models import CartLine
from persistence import db
from subscriptions.models import Subscription
from tests.api.factories import bearer
from tests.conftest import login
from tests.subscriptions.conftest import HIDDEN_RE

START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
PATCH = "PATCH /v1/customers/*/subscriptions/*"
READ = "GET /v1/customers/*/subscriptions/*"


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def stale(buy, pc_client, clock) -> Subscription:
    """10 bought here; an hour later 5 more added in Partner Center's portal, which the
    hourly sync has not seen yet (the row still says 10)."""
    sub = buy(quantity=10)
    clock.move_to(START + timedelta(hours=1))
    in_partner_center(pc_client, sub, 15)
    clock.move_to(START + timedelta(hours=2))
    return sub


def in_partner_center(pc_client, sub: Subscription, quantity: int) -> None:
    """Someone changes the seats in Partner Center itself, not through the shop."""
    pc_client.update_subscription(sub.tenant_id, sub.pc_subscription_id, quantity=quantity)


def held(pc_client, sub: Subscription) -> int:
    return pc_client.get_subscription(sub.tenant_id, sub.pc_subscription_id).quantity


def seats(sub_id: int) -> list[tuple]:
    db.session.expire_all()
    sub = db.session.get(Subscription, sub_id)
    return [(e.data["before"], e.data["after"]) for e in sub.events if e.kind == "quantity"]


def cart_lines(sub: Subscription) -> list[int]:
    return list(db.session.scalars(select(CartLine.quantity).where(
        CartLine.add_to_subscription_id == sub.id)))


def page_form(client, sub: Subscription, quantity: int) -> dict:
    """The subscription page's licence form as a browser sends it: its hidden fields (the
    CSRF token, the count the page shows) and the count typed."""
    url = f"/subscriptions/{sub.id}/quantity"
    page = client.get(f"/subscriptions/{sub.id}").get_data(as_text=True)
    form = re.search(rf'<form method="post" action="{re.escape(url)}"[^>]*>(.*?)</form>',
                     page, re.S)
    return {**dict(HIDDEN_RE.findall(form[1])), "quantity": str(quantity)}


def post_page(client, sub: Subscription, quantity: int):
    return client.post(f"/subscriptions/{sub.id}/quantity", data=page_form(client, sub, quantity))


def confirm(client, sub: Subscription, page: str):
    """Post the confirmation page's form, as its button does."""
    url = f"/subscriptions/{sub.id}/quantity"
    form = re.search(rf'<form method="post" action="{re.escape(url)}">(.*?)</form>', page, re.S)
    assert form, "no confirmation form"
    return client.post(url, data={k: html.unescape(v) for k, v in HIDDEN_RE.findall(form[1])})


def said(response) -> str:
    return " ".join(html.unescape(response.get_data(as_text=True)).split())


def reads(pc_responses, sub: Subscription) -> int:
    """GETs of the subscription Partner Center answered so far (the HTTP boundary)."""
    return sum(1 for c in pc_responses.calls if c.request.method == "GET"
               and c.request.url.endswith(f"/subscriptions/{sub.pc_subscription_id}"))


def test_s2_api_asking_12_of_15_held_in_partner_center_removes_3_inside_the_window(
        client, world, stale, pc_client, pc_responses):
    before = reads(pc_responses, stale)
    response = client.patch(f"/api/v1/subscriptions/{stale.id}", json={"quantity": 12},
                            headers=bearer(world.reseller_a_user))
    assert response.status_code == 200, response.get_json()
    # read once to judge it (the connector's own read builds the PATCH's full resource)
    assert reads(pc_responses, stale) == before + 2
    assert response.get_json()["quantity"] == 12 and held(pc_client, stale) == 12
    assert seats(stale.id) == [(10, 15), (15, 12)]  # the portal's 5, then our 3 removed


def test_s2_api_asking_12_of_15_outside_the_window_is_refused_as_a_removal(
        client, world, stale, clock, pc_client, pc_sandbox):
    clock.move_to(START + timedelta(days=8))  # both tranches' 7 days are over
    patches = pc_sandbox.add_fault(endpoint=PATCH, status=500, count=None)
    response = client.patch(f"/api/v1/subscriptions/{stale.id}", json={"quantity": 12},
                            headers=bearer(world.reseller_a_user))
    assert response.status_code == 422
    assert response.get_json()["error"]["problems"][0]["code"] == "S2.reduction_window_closed"
    assert patches.fired == 0 and held(pc_client, stale) == 15
    assert seats(stale.id) == [(10, 15)]  # what Partner Center changed itself, recorded


def test_s2_a_buyer_asking_12_of_15_held_is_asked_to_confirm_the_removal_not_sent_to_cart(
        client, world, stale, pc_client):
    login(client, world.reseller_a_user)
    response = post_page(client, stale, 12)
    assert response.status_code == 422  # the confirmation: nothing done yet
    assert cart_lines(stale) == []
    assert ("Partner Center now holds 15 licenses, not the 10 shown before: "
            f"{stale.title} for Alpha GmbH goes from 15 to 12 licenses at once: 3 users "
            "lose their license") in said(response)
    assert held(pc_client, stale) == 15 and seats(stale.id) == [(10, 15)]
    done = confirm(client, stale, response.get_data(as_text=True))
    assert done.status_code == 302 and held(pc_client, stale) == 12
    assert seats(stale.id) == [(10, 15), (15, 12)]
    assert "The subscription now has 12 licenses." in said(client.get(done.headers["Location"]))


def test_s2_a_buyer_asking_17_with_15_held_orders_2_extra_licences_not_7(
        client, world, stale, pc_client):
    login(client, world.reseller_a_user)
    response = post_page(client, stale, 17)
    assert response.headers["Location"].endswith(f"/cart?customer={world.customer_a.id}")
    assert cart_lines(stale) == [2]
    assert ("Partner Center holds 15 licenses, not the 10 shown: 2 extra licenses for "
            f"{stale.title} are in the cart.") in said(client.get(response.headers["Location"]))
    assert held(pc_client, stale) == 15


def test_s2_seats_moved_after_the_confirmation_ask_again_and_change_nothing(
        client, world, stale, clock, pc_client):
    login(client, world.reseller_a_user)
    shown = post_page(client, stale, 12).get_data(as_text=True)  # "from 15 to 12"
    in_partner_center(pc_client, stale, 16)  # one more added there meanwhile
    again = confirm(client, stale, shown)
    assert again.status_code == 422
    assert ("Partner Center now holds 16 licenses, not the 15 shown before: "
            f"{stale.title} for Alpha GmbH goes from 16 to 12 licenses at once: 4 users "
            "lose their license") in said(again)
    assert held(pc_client, stale) == 16 and seats(stale.id) == [(10, 15), (15, 16)]
    done = confirm(client, stale, again.get_data(as_text=True))  # confirming what it says
    assert done.status_code == 302 and held(pc_client, stale) == 12
    assert seats(stale.id) == [(10, 15), (15, 16), (16, 12)]


def test_s2_an_unanswered_read_refuses_with_a_clear_message_and_keeps_the_count_typed(
        client, world, stale, pc_client, pc_sandbox):
    login(client, world.reseller_a_user)
    form = page_form(client, stale, 12)
    pc_sandbox.add_fault(endpoint=READ, status=503, count=None)
    patches = pc_sandbox.add_fault(endpoint=PATCH, status=500, count=None)
    response = client.post(f"/subscriptions/{stale.id}/quantity", data=form)
    page = said(response)
    assert response.status_code == 422 and "This change was refused" in page
    assert ("Nothing was changed: a change of licenses is judged on the count Partner Center "
            "holds, and Partner Center did not give it when asked") in page
    assert 'id="quantity" min="1" value="12"' in page  # what was typed is kept
    assert cart_lines(stale) == [] and patches.fired == 0
    assert seats(stale.id) == []


def test_s2_api_an_unanswered_read_refuses_the_change_and_sends_nothing(
        client, world, stale, pc_sandbox):
    pc_sandbox.add_fault(endpoint=READ, status=503, count=None)
    patches = pc_sandbox.add_fault(endpoint=PATCH, status=500, count=None)
    response = client.patch(f"/api/v1/subscriptions/{stale.id}", json={"quantity": 12},
                            headers=bearer(world.reseller_a_user))
    assert response.status_code == 422
    problem = response.get_json()["error"]["problems"][0]
    assert problem["code"] == "PC.503" and "did not give it when asked" in problem["message"]
    assert patches.fired == 0 and seats(stale.id) == []
