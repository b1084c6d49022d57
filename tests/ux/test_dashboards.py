"""The home dashboards as each role sees them: the reseller's subscriptions, MRR,
renewals and closing cancellation windows (in the user's own time zone), the admin's
attention queue first, revenue from the ledger and the orders-per-day chart."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import time_machine

from orders.models import OrderStatus
from persistence import db
from tests.conftest import login
from tests.orders.factories import annual_eur_price, another_order, bought
from tests.orders.test_dashboard import charge

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def test_the_reseller_dashboard_shows_its_own_figures_only(client, world):
    bought(world.order_a, quantity=2)
    eur = annual_eur_price()
    bought(another_order(world.customer_a, world.reseller_a_user, eur, 1),
           unit_price="110.00", quantity=3)
    renewing = bought(another_order(world.customer_a, world.reseller_a_user, world.price, 2),
                      term_end=datetime.now(UTC) + timedelta(days=20))
    bought(world.order_b, quantity=50)
    db.session.commit()
    login(client, world.reseller_a_user)

    html = client.get("/").get_data(as_text=True)

    assert re.search(r'id="active-subscriptions"><strong>3</strong>', html)
    assert "€27.50" in html and "€36.00" in html and "$37.50" in html  # 25.00 + 12.50
    assert "$625.00" not in html  # reseller B's 50 seats
    assert f'/subscriptions/{renewing.id}"' in html
    assert "<strong>1</strong> renews within 30 days" in html


def test_r3_the_tile_does_not_count_a_subscription_that_will_end_as_a_renewal(client, world):
    with time_machine.travel(NOW, tick=False):
        for n, autorenew in enumerate((True, False)):
            bought(another_order(world.customer_a, world.reseller_a_user, world.price, n),
                   term_end=NOW + timedelta(days=40), autorenew=autorenew)
        db.session.commit()
        login(client, world.reseller_a_user)
        html = client.get("/").get_data(as_text=True)

    tile = html[html.index('id="renewal-counts"'):html.index("</div>", html.index(
        'id="renewal-counts"'))]
    assert "<strong>0</strong> renew within 30 days" in tile
    assert "<strong>1</strong> renews, <strong>1</strong> ends within 60 days" in tile
    assert "ends 2027-01-13" in html  # the list under it agrees


def test_a_closing_cancellation_window_shows_the_time_left_in_the_users_zone(client, world):
    world.reseller_a_user.time_zone = "Europe/Warsaw"
    with time_machine.travel(NOW, tick=False):
        sub = bought(world.order_a, term_start=NOW - timedelta(hours=150))
        db.session.commit()
        login(client, world.reseller_a_user)
        html = client.get("/").get_data(as_text=True)

    section = html[html.index('id="closing-windows"'):]
    assert f'/subscriptions/{sub.id}"' in section
    # It closes at 06:00 UTC the next day: 07:00 in Warsaw, 18 hours from now.
    assert "2026-12-05 07:00 CET" in section and "18 h 0 min left" in section


def test_a_reseller_sees_what_a_troubled_order_means_not_the_admins_next_step(client, world):
    world.order_a.record(OrderStatus.NEEDS_ATTENTION, "Partner Center refused the customer.",
                         "An administrator should look the error up in Partner Center.")
    db.session.commit()
    login(client, world.reseller_a_user)

    html = client.get("/").get_data(as_text=True)

    assert "The provider is looking into each of them" in html
    assert "An administrator should" not in html


def test_the_admin_dashboard_opens_with_the_attention_queue(client, world):
    world.order_b.record(OrderStatus.NEEDS_ATTENTION, "Partner Center refused the customer.",
                         "Retry from the queue.")
    db.session.commit()
    login(client, world.admin)

    html = client.get("/").get_data(as_text=True)

    queue = html.index('id="attention-queue"')
    assert queue < html.index('id="today-orders"') and queue < html.index("lite resellers")
    assert f'/admin/orders/{world.order_b.id}"' in html[queue:html.index('id="today-orders"')]
    assert "Retry from the queue." in html


def test_the_admin_sees_todays_orders_revenue_and_a_30_day_chart(client, world):
    with time_machine.travel(NOW, tick=False):
        world.order_a.created_at = NOW - timedelta(hours=1)
        world.order_b.created_at = NOW - timedelta(days=3)
        db.session.add_all([charge(world, "a", "33.00", "USD", date(2026, 12, 4)),
                            charge(world, "b", "40.00", "EUR", date(2026, 12, 1))])
        db.session.commit()
        login(client, world.admin)
        html = client.get("/").get_data(as_text=True)

    assert re.search(r'id="today-orders"><strong>1</strong>', html)
    # Today's order in the page's own locale, as the cards beside it (it was the customer's,
    # "12,50 US$" under "$33.00").
    todays = html[html.index('id="today-order-list"'):]
    assert "$12.50" in todays[:todays.index("</ul>")]
    # The ledger's charges, not the orders' totals (12.50 each).
    assert re.search(r'id="revenue-today"><strong>\$33.00</strong>', html)
    assert "€40.00" in html[html.index('id="revenue-month"'):]
    svg = html[html.index('data-testid="orders-per-day"'):html.index("</svg>")]
    assert svg.count("<rect") == 30
    assert "2026-12-04: 1 order<" in svg and "2026-12-01: 1 order<" in svg
    assert "2026-12-02: 0 orders" in svg
    assert re.search(r"2 orders from 2026-11-0\d to 2026-12-0\d; busiest day 1", html)


def test_recent_orders_on_the_reseller_dashboard_and_customer_page_are_newest_placed_first(
        client, world):
    """"Recent" is by when an order was placed, as the orders list sorts, not by its id: an
    order recorded later for an earlier date (the demo's October order) goes below."""
    earlier = another_order(world.customer_a, world.reseller_a_user, world.price, 1)
    earlier.created_at = world.order_a.created_at - timedelta(days=60)
    db.session.commit()
    login(client, world.reseller_a_user)

    for page in ("/", f"/customers/{world.customer_a.id}"):
        html = client.get(page).get_data(as_text=True)
        newest, older = (html.index(f'/orders/{order.id}"')
                         for order in (world.order_a, earlier))
        assert newest < older, page


def test_the_admins_customer_tiles_count_each_customer_once_and_open_their_list(client, world):
    """The direct customer is not an end customer of a reseller too (it was counted in
    both tiles, and both opened the unfiltered list)."""
    login(client, world.admin)
    html = client.get("/").get_data(as_text=True)

    resold = re.search(r'href="([^"]+)" id="end-customers"><strong>(\d+)</strong> ([^<]+)<', html)
    direct = re.search(r'href="([^"]+)" id="direct-customers"><strong>(\d+)</strong> ([^<]+)<',
                       html)
    assert resold.group(2, 3) == ("2", "end customers of resellers")
    assert direct.group(2, 3) == ("1", "direct customer")
    assert re.search(r'id="today-orders"><strong>\d+</strong> orders? today', html)

    def names(url: str) -> set[str]:
        page = client.get(url.replace("&amp;", "&")).get_data(as_text=True)
        return {name for name in ("Alpha GmbH", "Beta GmbH", "Direct Ltd") if name in page}
    assert names(resold.group(1)) == {"Alpha GmbH", "Beta GmbH"}
    assert names(direct.group(1)) == {"Direct Ltd"}
