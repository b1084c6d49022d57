"""S3/R2/R5 on the pages: a term "ends on" its last day, Microsoft's inclusive
commitmentEndDate. The mirror's `term_end` is the instant the term is over, 00:00 UTC of the
day after (subscriptions/models.py), so a page printing it with its time said
"2027-01-14 00:00 UTC" for a term whose last day is 13 January. Every page, email and export
names that last day instead (in the viewer's zone, as storefront/consequences.py does)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
import time_machine

from persistence import db
from tests.api.factories import bearer, make_subscription
from tests.conftest import login, served

NOW = datetime(2026, 12, 20, 12, 0, tzinfo=UTC)
LAST_DAY = "2027-01-13"  # commitmentEndDate 2027-01-13T00:00:00Z
OVER = datetime(2027, 1, 14, tzinfo=UTC)  # the mirror's term_end: the next term's start
NEXT_DAY = "2027-01-14"


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def ending(world, clock):
    """Reseller A's yearly subscription whose term's last day is 13 January 2027."""
    return make_subscription(world.customer_a, world.price, 3, term_end=OVER,
                             term_start=datetime(2026, 1, 14, tzinfo=UTC),
                             purchased_at=datetime(2026, 1, 14, tzinfo=UTC))


def text_of(client, url: str) -> str:
    return served(client, url).get_data(as_text=True)


def test_the_subscription_page_names_the_terms_last_day_and_renews_after_it(
        client, world, ending):
    login(client, world.reseller_a_user)
    page = text_of(client, f"/subscriptions/{ending.id}")
    assert f'id="term-end">{LAST_DAY}</dd>' in page
    assert f"After its last day, {LAST_DAY}, it renews for" in page
    assert NEXT_DAY not in page


def test_r5_a_suspended_subscription_can_be_reactivated_until_its_last_day(
        client, world, ending):
    ending.status = "suspended"
    db.session.commit()
    login(client, world.reseller_a_user)
    page = text_of(client, f"/subscriptions/{ending.id}")
    assert f"It can be reactivated only until the end of its term's last day, {LAST_DAY} " \
           "(R5)." in page
    assert NEXT_DAY not in page


def test_r3_an_expired_subscription_ended_on_its_last_day(client, world, ending):
    ending.status = "expired"
    db.session.commit()
    login(client, world.reseller_a_user)
    page = text_of(client, f"/subscriptions/{ending.id}")
    assert f"Its term ended on {LAST_DAY} and Partner Center shows it expired" in page
    assert NEXT_DAY not in page


def test_the_subscription_list_and_its_csv_name_the_last_day(client, world, ending):
    login(client, world.reseller_a_user)
    listed = text_of(client, "/subscriptions")
    assert f"<td>{LAST_DAY}</td>" in listed and NEXT_DAY not in listed
    rows = list(csv.DictReader(io.StringIO(text_of(client, "/subscriptions?format=csv"))))
    assert [row["Term ends (UTC)"] for row in rows] == [LAST_DAY]


def test_r2_the_renewals_calendar_and_its_csv_name_the_last_day(client, world, ending):
    login(client, world.reseller_a_user)
    page = text_of(client, "/renewals")
    assert f"<tr><td>{LAST_DAY}</td>" in page and NEXT_DAY not in page
    rows = list(csv.DictReader(io.StringIO(text_of(client, "/renewals?format=csv"))))
    assert [row["last_day"] for row in rows] == [LAST_DAY]


def test_r2_the_resellers_dashboard_names_the_last_day(client, world, ending):
    login(client, world.reseller_a_user)
    home = text_of(client, "/")
    assert f"term ends {LAST_DAY}, renews" in home and NEXT_DAY not in home


def test_r3_the_providers_dashboard_names_the_last_day_of_what_ends(client, world, ending):
    ending.autorenew = False
    db.session.commit()
    login(client, world.admin)
    home = text_of(client, "/")
    assert f"ends {LAST_DAY} (autorenew off)" in home and NEXT_DAY not in home


def test_the_customers_page_names_the_last_day(client, world, ending):
    login(client, world.reseller_a_user)
    page = text_of(client, f"/customers/{world.customer_a.id}")
    assert f"<td>{LAST_DAY}</td>" in page and NEXT_DAY not in page


@pytest.mark.parametrize("zone", ["America/Los_Angeles", "Europe/Berlin", "Pacific/Auckland"])
def test_a_viewer_west_or_east_of_greenwich_reads_the_same_last_day(client, world, ending,
                                                                    zone):
    """Microsoft dates the end by UTC days: its last second is already the next day east
    of Greenwich, where the page named the day after the last (session 53's audit)."""
    world.reseller_a_user.time_zone = zone
    db.session.commit()
    login(client, world.reseller_a_user)
    page = text_of(client, f"/subscriptions/{ending.id}")
    assert f'id="term-end">{LAST_DAY}</dd>' in page and NEXT_DAY not in page
    assert f"After its last day, {LAST_DAY}, it renews" in page


def test_the_api_gives_the_last_day_beside_the_instant_the_term_is_over(client, world,
                                                                        ending):
    answer = client.get("/api/v1/subscriptions", headers=bearer(world.reseller_a_user)).json
    (item,) = answer["items"]
    assert (item["last_day"], item["term_end"]) == (LAST_DAY, "2027-01-14T00:00:00+00:00")
