"""Times are shown in the viewer's own time zone, with the zone's abbreviation: a user set to
Europe/Warsaw reads 09:00 UTC as 10:00 CET (11:00 CEST in summer); a user who chose none
reads the storefront's zone (STOREFRONT_TIME_ZONE, UTC by default)."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest

from accounts.models import User
from accounts.preferences import UnknownTimeZone, set_time_zone
from persistence import db
from tests.api.factories import make_subscription
from tests.conftest import login, post_form

WINTER = datetime(2025, 1, 15, 9, 0, tzinfo=UTC)
SUMMER = datetime(2025, 7, 15, 9, 0, tzinfo=UTC)


def placed_shown(client, order) -> str:
    """When the order page says the order was placed."""
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    return re.search(r"placed (.+?) by ", page)[1]


@pytest.mark.parametrize(("moment", "shown"), [(WINTER, "2025-01-15 10:00 CET"),
                                               (SUMMER, "2025-07-15 11:00 CEST")])
def test_a_user_in_warsaw_reads_an_orders_time_in_warsaw(client, world, moment, shown):
    world.order_a.created_at = moment
    set_time_zone(world.reseller_a_user, "Europe/Warsaw")
    login(client, world.reseller_a_user)
    assert placed_shown(client, world.order_a) == shown


def test_a_user_who_chose_no_zone_reads_the_storefronts(app, client, world):
    world.order_a.created_at = WINTER
    db.session.commit()
    login(client, world.reseller_a_user)
    assert placed_shown(client, world.order_a) == "2025-01-15 09:00 UTC"
    app.config["STOREFRONT_TIME_ZONE"] = "America/New_York"
    assert placed_shown(client, world.order_a) == "2025-01-15 04:00 EST"


def test_every_time_on_a_page_follows_the_zone(client, world):
    """The order's history too, not only its header."""
    world.order_a.created_at = world.order_a.events[0].at = WINTER
    set_time_zone(world.reseller_a_user, "Asia/Kolkata")
    login(client, world.reseller_a_user)
    page = client.get(f"/orders/{world.order_a.id}").get_data(as_text=True)
    assert "<time>2025-01-15 14:30 IST</time>" in page and "09:00 UTC" not in page


def test_a_zone_the_tz_database_names_only_by_offset_reads_as_gmt_offset(client, world):
    world.order_a.created_at = WINTER
    set_time_zone(world.reseller_a_user, "Asia/Dubai")  # tzdata's abbreviation is "+04"
    login(client, world.reseller_a_user)
    assert placed_shown(client, world.order_a) == "2025-01-15 13:00 GMT+04:00"


def test_the_account_page_saves_the_users_zone(client, world):
    login(client, world.reseller_a_user)
    page = client.get("/account").get_data(as_text=True)
    assert '<option value="Europe/Warsaw">Europe/Warsaw</option>' in page
    response = post_form(client, "/account/time-zone", {"time_zone": "Europe/Warsaw"},
                         token_url="/account")
    assert response.status_code == 302
    assert db.session.get(User, world.reseller_a_user.id).time_zone == "Europe/Warsaw"
    page = client.get("/account").get_data(as_text=True)
    assert '<option selected value="Europe/Warsaw">' in page
    assert "Times are now shown in Europe/Warsaw." in page


def test_choosing_the_storefronts_zone_clears_the_users_own(client, world):
    set_time_zone(world.reseller_a_user, "Europe/Warsaw")
    login(client, world.reseller_a_user)
    post_form(client, "/account/time-zone", {"time_zone": ""}, token_url="/account")
    assert db.session.get(User, world.reseller_a_user.id).time_zone is None


def test_an_unknown_zone_is_refused_by_name_with_the_fix(client, world):
    login(client, world.reseller_a_user)
    response = post_form(client, "/account/time-zone", {"time_zone": "Mars/Olympus_Mons"},
                         token_url="/account")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert '<a href="#time_zone">Time zone: Choose a time zone from the list, e.g. ' \
           'Europe/Warsaw' in page
    assert db.session.get(User, world.reseller_a_user.id).time_zone is None


def test_the_service_refuses_a_zone_the_tz_database_does_not_know(world):
    with pytest.raises(UnknownTimeZone, match="Time zone: 'Mars/Olympus_Mons' is not a time "
                                              "zone.*Europe/Warsaw"):
        set_time_zone(world.reseller_a_user, "Mars/Olympus_Mons")


@pytest.mark.parametrize("zone", ["America/Los_Angeles", "Asia/Tokyo"])
def test_r3_switching_autorenew_off_names_microsofts_last_day_in_every_zone(client, world,
                                                                          zone):
    """The term is over at 00:00 UTC on 7 January: its last day is 6 January as Partner
    Center dates it, though that instant is 6 January in Los Angeles and 7 January in
    Tokyo. The confirmation (its no-JavaScript page and the button's dialog) and the
    subscription page name that day in both."""
    sub = make_subscription(world.customer_a, world.price, 3,
                            term_end=datetime(2027, 1, 7, tzinfo=UTC))
    set_time_zone(world.reseller_a_user, zone)
    login(client, world.reseller_a_user)
    answer = post_form(client, f"/subscriptions/{sub.id}/autorenew", {"autorenew": "off"},
                       token_url="/account")
    assert answer.status_code == 422
    assert "it ends on 2027-01-06" in html.unescape(answer.get_data(as_text=True))
    page = html.unescape(client.get(f"/subscriptions/{sub.id}").get_data(as_text=True))
    assert "it ends on 2027-01-06" in page and "2027-01-07" not in page
