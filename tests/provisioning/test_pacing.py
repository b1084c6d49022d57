"""Pacing keeps a bucket under its limit and honours Retry-After after a 429."""

from __future__ import annotations

import responses

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
