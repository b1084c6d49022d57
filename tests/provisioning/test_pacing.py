"""Pacing keeps a bucket under its limit and honours Retry-After after a 429."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import responses
import time_machine

from connectors.partner_center.pacing import PacedSession, bucket_of

CUSTOMER = "2d9a6f1c-7e3b-4c8d-a5f0-3b1e9c7d2a4f"
BASE = "https://api.partnercenter.microsoft.com/v1"


class FakeClock:
    def __init__(self) -> None:
        self.now, self.sleeps = 1000.0, []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_requests_are_bucketed_per_customer_and_partner():
    assert bucket_of(f"{BASE}/customers/{CUSTOMER}/carts") == CUSTOMER
    assert bucket_of(f"{BASE}/customers") == bucket_of(f"{BASE}/products/X/skus") == ""


@responses.activate
def test_a_full_bucket_waits_for_the_oldest_request_to_leave_the_window():
    responses.get(f"{BASE}/customers", json={})
    clock = FakeClock()
    session = PacedSession(3, clock=clock, sleep=clock.sleep)
    for _ in range(4):
        session.get(f"{BASE}/customers")
    assert clock.sleeps == [60.0]


@responses.activate
def test_after_a_429_the_bucket_is_silent_until_retry_after():
    responses.get(f"{BASE}/customers", status=429, headers={"Retry-After": "7"})
    responses.get(f"{BASE}/customers", json={})
    responses.get(f"{BASE}/customers/{CUSTOMER}", json={})
    clock = FakeClock()
    session = PacedSession(100, clock=clock, sleep=clock.sleep)
    assert session.get(f"{BASE}/customers").status_code == 429
    session.get(f"{BASE}/customers/{CUSTOMER}")  # another bucket is not held up
    assert clock.sleeps == []
    session.get(f"{BASE}/customers")
    assert clock.sleeps == [7.0]


@responses.activate
def test_a_retry_after_date_holds_the_bucket_until_that_date():
    responses.get(f"{BASE}/customers", status=429,
                  headers={"Retry-After": "Mon, 02 Mar 2026 09:00:20 GMT"})
    responses.get(f"{BASE}/customers", json={})
    clock = FakeClock()
    session = PacedSession(100, clock=clock, sleep=clock.sleep)
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False):
        assert session.get(f"{BASE}/customers").status_code == 429
    session.get(f"{BASE}/customers")
    assert clock.sleeps == [20.0]


@pytest.mark.parametrize(("value", "held"), [("soon", 1.0), ("3600", 60.0)])
@responses.activate
def test_a_malformed_or_very_long_retry_after_holds_the_bucket_a_second_to_a_minute(
        value, held):
    responses.get(f"{BASE}/customers", status=429, headers={"Retry-After": value})
    responses.get(f"{BASE}/customers", json={})
    clock = FakeClock()
    session = PacedSession(100, clock=clock, sleep=clock.sleep)
    assert session.get(f"{BASE}/customers").status_code == 429
    session.get(f"{BASE}/customers")
    assert clock.sleeps == [held]
