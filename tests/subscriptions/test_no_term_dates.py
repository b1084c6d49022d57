"""A subscription with no term (an Azure plan, perpetual software) shows and counts no term
end: Partner Center reports its commitment end as a date far in the future ("for
subscriptions that can't autorenew", subscription-resources; 9999-12-10 in the documented
Azure sample), which is no date a reseller should read as an end, a renewal or an expiry."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from persistence import db
from subscriptions.models import Subscription
from tests.api.factories import bearer, make_subscription
from tests.conftest import login, make_price, served

FAR = datetime(9999, 12, 10, tzinfo=UTC)  # the documented sample's commitmentEndDate


def _no_term_and_a_term(world):
    now = datetime.now(UTC)
    azure = make_price(title="Azure plan", product_id="DZH318Z0BPS6", family="azure_plan",
                       cost="0.00", erp="0.00", term="", cycle="one_time")
    software = make_price(title="Windows Server 2022 Standard", product_id="DG7GMGF0D7FV",
                          family="perpetual_software", cost="500.00", erp="600.00", term="",
                          cycle="one_time")
    db.session.commit()
    for price in (azure, software):
        make_subscription(world.customer_a, price, purchased_at=now - timedelta(days=2),
                          term_start=now - timedelta(days=2), term_end=FAR, autorenew=False)
    return make_subscription(world.customer_a, world.price, quantity=4, autorenew=True,
                             purchased_at=now, term_start=now, term_end=now + timedelta(days=20))


def test_the_list_says_no_term_and_perpetual_not_the_far_date(client, world):
    _no_term_and_a_term(world)
    login(client, world.reseller_a_user)
    body = client.get("/subscriptions").get_data(as_text=True)
    assert "9999" not in body
    assert "<td>no term</td>" in body and "<td>perpetual</td>" in body


def test_the_azure_plans_page_says_it_has_no_term_and_shows_no_autorenew(client, world):
    _no_term_and_a_term(world)
    plan = db.session.scalar(select(Subscription).where(Subscription.family == "azure_plan"))
    login(client, world.reseller_a_user)
    body = client.get(f"/subscriptions/{plan.id}").get_data(as_text=True)
    assert "9999" not in body and 'id="subscription-autorenew"' not in body
    assert "none: an Azure plan has no term, nothing renews" in body
    assert "<dt>Bought</dt>" in body and "Term start" not in body


def test_the_renewals_calendar_lists_only_the_term_that_ends(client, world):
    termed = _no_term_and_a_term(world)
    login(client, world.reseller_a_user)
    rows = list(csv.DictReader(io.StringIO(
        served(client, "/renewals?format=csv").get_data(as_text=True))))
    assert [row["subscription"] for row in rows] == [termed.title]


def test_the_csv_and_the_api_leave_the_term_end_empty(client, world):
    termed = _no_term_and_a_term(world)
    login(client, world.reseller_a_user)
    rows = list(csv.DictReader(io.StringIO(
        served(client, "/subscriptions?format=csv").get_data(as_text=True))))
    ends = {row["Product"]: (row["Term ends (UTC)"], row["Autorenew"]) for row in rows}
    assert ends["Azure plan"] == ends["Windows Server 2022 Standard"] == ("", "")
    assert ends[termed.title][0].startswith(f"{termed.term_end:%Y-}")
    client.get("/logout")
    answer = client.get("/api/v1/subscriptions", headers=bearer(world.reseller_a_user)).json
    by_title = {item["title"]: item["term_end"] for item in answer["items"]}
    assert by_title["Azure plan"] is None and by_title["Windows Server 2022 Standard"] is None
    assert by_title[termed.title] is not None
