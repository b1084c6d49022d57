"""S2 as Microsoft documents it (change-the-quantity-of-a-subscription): "License quantity
can only be reduced within 7 days of purchase or renewal ... licenses added at midterm can
also only be reduced within 7 days". The sandbox keeps seats per addition; GET shows each
still-refundable addition in refundableQuantity.details with its own deadline."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from connectors.partner_center import InvalidRequest

START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
WINDOW = timedelta(hours=168)
DAY = 24 * 3600


@pytest.fixture
def frozen():
    with time_machine.travel(START, tick=False):
        yield


class Seats:
    """One subscription: read it, or set its seat count (the client PATCHes the resource)."""

    def __init__(self, client, customer_id: str, subscription_id: str) -> None:
        self._client, self._ids = client, (customer_id, subscription_id)

    def read(self):
        return self._client.get_subscription(*self._ids)

    def change(self, quantity: int):
        return self._client.update_subscription(*self._ids, quantity=quantity)


@pytest.fixture
def subscription(frozen, pc_client, make_customer, line) -> Seats:
    """Ten seats of an active monthly subscription bought at START."""
    customer = make_customer()
    cart = pc_client.create_cart(customer.id, [line(quantity=10)])
    order = pc_client.checkout_cart(customer.id, cart.id).orders[0]
    sub_id = pc_client.get_order(customer.id, order.id).lines[0].subscription_id
    return Seats(pc_client, customer.id, sub_id)


def _windows(sub) -> list[tuple[int, datetime]]:
    return [(seats.quantity, seats.allowed_until) for seats in sub.refundable]


def test_each_addition_is_refundable_for_its_own_168_hours(pc_sandbox, subscription):
    read, change = subscription.read, subscription.change
    pc_sandbox.advance(2 * DAY)
    change(13)
    pc_sandbox.advance(2 * DAY)
    change(15)
    assert _windows(read()) == [(10, START + WINDOW),
                                (3, START + timedelta(days=2) + WINDOW),
                                (2, START + timedelta(days=4) + WINDOW)]
    pc_sandbox.advance(3 * DAY + 3600)  # past the purchase's window only
    sub = read()
    assert (sub.quantity, sub.refundable_quantity) == (15, 5)


def test_seats_added_after_the_purchase_window_can_be_removed_within_their_own(
        pc_sandbox, subscription):
    read, change = subscription.read, subscription.change
    pc_sandbox.advance(8 * DAY)
    change(15)
    assert _windows(read()) == [(5, START + timedelta(days=8) + WINDOW)]
    assert change(12).quantity == 12
    assert read().refundable_quantity == 2


def test_refuses_to_remove_more_seats_than_are_still_refundable(pc_sandbox, subscription):
    read, change = subscription.read, subscription.change
    pc_sandbox.advance(8 * DAY)
    change(15)
    with pytest.raises(InvalidRequest) as caught:
        change(9)  # 6 seats, only the 5 added today are refundable
    assert (caught.value.http_status, caught.value.code) == (400, "900214")
    assert read().quantity == 15


def test_a_decrease_takes_the_newest_seats_first(pc_sandbox, subscription):
    read, change = subscription.read, subscription.change
    pc_sandbox.advance(DAY)
    change(15)
    change(8)  # the 5 added today, then 2 of the 10 bought
    assert _windows(read()) == [(8, START + WINDOW)]


def test_an_addition_stops_being_refundable_168_hours_after_it_was_made(
        pc_sandbox, subscription):
    read, change = subscription.read, subscription.change
    pc_sandbox.advance(8 * DAY)
    change(12)
    pc_sandbox.advance(WINDOW.total_seconds() + 60)
    assert read().refundable == ()
    with pytest.raises(InvalidRequest) as caught:
        change(11)
    assert caught.value.code == "900214"


def test_a_slow_addition_is_refundable_from_when_it_was_asked_for(pc_sandbox, subscription):
    read, change = subscription.read, subscription.change
    pc_sandbox.advance(8 * DAY)
    pc_sandbox.config.subscription_patch_reads = 1
    assert change(14).quantity == 14  # answered 202, read back at its Location
    assert _windows(read()) == [(4, START + timedelta(days=8) + WINDOW)]


@pytest.fixture
def patch_answers_without_windows(pc_responses):
    """Partner Center's PATCH answered without refundableQuantity, as change-the-quantity's
    documented answer may be: the sandbox's answer with that field taken out."""
    patched = [r for r in pc_responses.registered() if r.method == "PATCH"]
    for registered in patched:
        served = registered.callback

        def without_windows(request, served=served):
            status, headers, body = served(request)
            data = json.loads(body)
            data.pop("refundableQuantity", None)
            return status, headers, json.dumps(data).encode()

        registered.callback = without_windows
    return patched


def test_s2_seats_added_get_their_window_when_the_patch_answer_omits_it(
        pc_sandbox, subscription, patch_answers_without_windows, pc_responses):
    pc_sandbox.advance(8 * DAY)
    reads_before = _gets(pc_responses)
    answer = subscription.change(15)
    assert (answer.quantity, _windows(answer)) == (15, [(5, START + timedelta(days=8) + WINDOW)])
    assert _gets(pc_responses) == reads_before + 2  # the resource for the body, then windows


def test_s2_a_patch_answer_with_the_windows_is_read_once(pc_sandbox, subscription, pc_responses):
    pc_sandbox.advance(8 * DAY)
    reads_before = _gets(pc_responses)
    assert _windows(subscription.change(15)) == [(5, START + timedelta(days=8) + WINDOW)]
    assert _gets(pc_responses) == reads_before + 1  # only the resource the PATCH sends back


def _gets(mock) -> int:
    return sum(1 for call in mock.calls if call.request.method == "GET")
