"""Support requests (S3/S5/S6) stay with their requester's scope: a reseller or direct
customer sees, and files on, only its own customers' subscriptions; only the provider's
admins take a request through its steps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from persistence import db
from subscriptions.support_models import SupportRequest
from tests.api.factories import make_subscription
from tests.conftest import csrf_token, login, post_form

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
VALID = {"reason": "The customer closed the branch this was bought for.", "amount": "50",
         "contact_name": "Ann", "contact_email": "a@test.example",
         "contact_phone": "+49 30 555 1000"}


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(START, tick=False):
        yield


@pytest.fixture
def filed(client, world) -> SupportRequest:
    """Reseller A's request on customer A's plan, bought 8 days ago (past S3)."""
    sub = make_subscription(world.customer_a, world.price,
                            purchased_at=START - timedelta(days=8))
    login(client, world.reseller_a_user)
    url = f"/support-requests/new/{sub.id}"
    assert post_form(client, url, VALID, token_url=url).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    return db.session.scalars(select(SupportRequest)).one()


@pytest.mark.parametrize("who", ["reseller_b_user", "direct_user"])
def test_s3_another_buyer_neither_opens_nor_lists_the_request(client, world, filed, who):
    login(client, getattr(world, who))
    assert client.get(f"/support-requests/{filed.id}").status_code == 404
    listing = client.get("/support-requests").get_data(as_text=True)
    assert filed.number not in listing


def test_s3_the_requester_and_the_admin_both_list_it(client, world, filed):
    for user in (world.reseller_a_user, world.admin):
        login(client, user)
        assert filed.number in client.get("/support-requests").get_data(as_text=True)
        client.post("/logout", data={"csrf_token": csrf_token(client, "/")})


def test_s3_a_buyer_cannot_file_on_another_resellers_subscription(client, world):
    theirs = make_subscription(world.customer_b, world.price,
                               purchased_at=START - timedelta(days=8))
    login(client, world.reseller_a_user)
    url = f"/support-requests/new/{theirs.id}"
    assert client.get(url).status_code == 404
    assert post_form(client, url, VALID, token_url="/").status_code == 404
    assert db.session.scalars(select(SupportRequest)).all() == []


def test_s3_the_requester_cannot_approve_its_own_request(client, world, filed):
    login(client, world.reseller_a_user)
    url = f"/support-requests/{filed.id}"
    response = post_form(client, f"{url}/status", {"status": "in_review"}, token_url=url)
    assert response.status_code == 403
    db.session.refresh(filed)
    assert filed.status == "submitted"
