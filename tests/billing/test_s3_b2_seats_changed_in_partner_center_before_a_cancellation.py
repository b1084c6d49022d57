"""S3/B2: a cancellation is quoted and credited on the seats Partner Center holds, not the
row's: with 5 seats added in Partner Center's portal since the hourly sync last saw the
subscription (15 there, 10 here), the refund was quoted on 10 and the cancellation copied
over the 15 unrecorded, so the 5 were never charged nor credited. The cancellation (the
service, its confirmation page, the API) now reads the subscription first and records the
portal's +5 as the sync would, from its day, then quotes on 15; the next pass adds nothing.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from catalog.pricing import format_money
from persistence import db
from subscriptions.errors import SubscriptionRefused
from subscriptions.models import Subscription
from subscriptions.services import cancel
from tests.api.factories import bearer
from tests.billing.conftest import price_in, provisioned
from tests.billing.test_b2_b3_partner_center_changes import (
    in_partner_center,
    passes_then_june_billed_twice,
    seats_set_in_the_portal,
)
from tests.conftest import login
from tests.subscriptions.conftest import confirm_cancel

READ = "GET /v1/customers/*/subscriptions/*"
PATCH = "PATCH /v1/customers/*/subscriptions/*"
# EUR 10.08 for a 30-day cycle (18 June - 17 July): EUR 0.336 a seat and day.
ON_15 = Decimal("136.08")  # cancelled 21 June: 27 days x 15 seats


@pytest.fixture
def bought(shop, clock, agent, pc_client) -> Subscription:
    """10 seats bought 18 June 09:00; 5 added in Partner Center's portal on 20 June; now
    21 June 00:30, before the sync's pass."""
    return seats_set_in_the_portal(shop, agent, clock, pc_client, 15)


def _seats(sub: Subscription) -> list[tuple]:
    db.session.expire_all()
    return [(e.data["before"], e.data["after"], "seen_at" in e.data)
            for e in db.session.get(Subscription, sub.id).events if e.kind == "quantity"]


# +5 from the portal's 20 June (28 days) +47.04, then all 15 credited from 21 June.
BILLED_ON_15 = [
    ("addQuantity", -10, Decimal("-94.08"), date(2021, 6, 20), date(2021, 7, 17)),
    ("addQuantity", 15, Decimal("141.12"), date(2021, 6, 20), date(2021, 7, 17)),
    ("cancelImmediate", -15, -ON_15, date(2021, 6, 21), date(2021, 7, 17))]


def test_s3_b2_a_cancellation_records_the_portals_seats_and_credits_all_15(
        bought, clock, agent, pc_client):
    quote = cancel(bought, agent, pc_client)
    assert (quote.amount, quote.credit.quantity) == (ON_15, 15)
    assert _seats(bought) == [(10, 15, True)]  # as the sync records it: from the portal's day
    assert passes_then_june_billed_twice(clock, pc_client) == BILLED_ON_15
    assert _seats(bought) == [(10, 15, True)]  # the passes added nothing


def test_s3_b2_the_cancel_page_shows_the_refund_on_partner_centers_seats(
        client, bought, clock, agent, pc_client):
    login(client, agent)
    page = client.get(f"/subscriptions/{bought.id}/cancel").get_data(as_text=True)
    assert re.search(r'id="refund">([^<]+)<', page)[1] == format_money(ON_15, "EUR", "en_DE")
    response = confirm_cancel(client, bought.id, page)  # its first confirmation is taken
    assert response.status_code == 302
    assert passes_then_june_billed_twice(clock, pc_client) == BILLED_ON_15


def test_s3_a_refund_shown_on_10_is_refused_once_partner_center_holds_15(
        client, shop, clock, agent, pc_client):
    sub = provisioned(shop.customer_a, agent, price_in(shop, "DE", "EUR", "10.08"), 10,
                      pc_client)
    clock.move_to(datetime(2021, 6, 20, 22, tzinfo=UTC))
    login(client, agent)
    page = client.get(f"/subscriptions/{sub.id}/cancel").get_data(as_text=True)
    shown = re.search(r'id="refund">([^<]+)<', page)[1]
    assert shown == format_money(Decimal("94.08"), "EUR", "en_DE")  # 28 days on 10
    clock.move_to(datetime(2021, 6, 20, 23, tzinfo=UTC))
    in_partner_center(pc_client, sub, quantity=15)  # while the page is open
    response = confirm_cancel(client, sub.id, page)
    assert response.status_code == 422
    assert 'data-code="S3.quote_changed"' in response.get_data(as_text=True)
    assert _seats(sub) == [(10, 15, True)]  # recorded even so
    assert db.session.get(Subscription, sub.id).status == "active"
    assert pc_client.get_subscription(sub.tenant_id, sub.pc_subscription_id).status == "active"


def test_s3_b2_the_api_cancels_on_partner_centers_seats(client, bought, agent):
    response = client.post(f"/api/v1/subscriptions/{bought.id}/cancel",
                           headers=bearer(agent))
    assert response.status_code == 200, response.get_json()
    assert Decimal(response.get_json()["refund"]) == ON_15
    assert _seats(bought) == [(10, 15, True)]


def test_s3_an_unanswered_read_refuses_the_cancellation_and_nothing_is_cancelled(
        client, bought, agent, pc_client, pc_sandbox):
    pc_sandbox.add_fault(endpoint=READ, status=503, count=None)
    patches = pc_sandbox.add_fault(endpoint=PATCH, status=500, count=None)
    with pytest.raises(SubscriptionRefused) as refused:
        cancel(bought, agent, pc_client)
    assert refused.value.rule == "PC"
    login(client, agent)
    page = client.get(f"/subscriptions/{bought.id}/cancel")  # a message, not a 500
    assert page.status_code == 422
    assert "Partner Center did not answer" in page.get_data(as_text=True)
    assert 'name="quote"' not in page.get_data(as_text=True)  # no refund promised
    assert patches.fired == 0
    assert (db.session.get(Subscription, bought.id).status, _seats(bought)) == ("active", [])
