"""The orders, subscriptions and customers lists: sort by column links, filter, search,
pagination at 25/50/100 that keeps the filters, CSV of the filtered rows, and a customer's
page that lists its subscriptions and orders."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from accounts.preferences import set_time_zone
from persistence import db
from tests.conftest import login, make_customer, served
from tests.orders.factories import annual_eur_price, another_order, bought


def rows(html: str) -> list[str]:
    """The order numbers or linked titles of the list's rows, in page order."""
    return re.findall(r'<tr[^>]*>\s*<td><a href="[^"]+">([^<]+)</a>', html)


def csv_rows(response) -> list[list[str]]:
    assert response.headers["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_the_orders_list_sorts_by_total_as_a_number_both_ways(client, world):
    big = another_order(world.customer_a, world.reseller_a_user, world.price, 1)
    big.total = Decimal("100.00")  # as text "100.0000" sorts before "12.5000"
    db.session.commit()
    login(client, world.reseller_a_user)

    up = rows(client.get("/orders?sort=total&dir=asc").get_data(as_text=True))
    down = client.get("/orders?sort=total&dir=desc").get_data(as_text=True)

    assert up == [world.order_a.number, big.number]
    assert rows(down) == [big.number, world.order_a.number]
    assert 'aria-sort="descending"' in down
    # The column's link turns the order round and keeps the other parameters.
    assert 'href="/orders?sort=total&amp;dir=asc"' in down


def test_the_orders_list_shows_each_orders_total_in_its_currency(client, world):
    german = make_customer(world.reseller_a, "Gamma GmbH", country="DE")  # C7: EUR is DE's
    db.session.add(german)
    eur = another_order(german, world.reseller_a_user, annual_eur_price(), 1)
    eur.total = Decimal("150.00")
    db.session.commit()
    login(client, world.reseller_a_user)

    html = client.get("/orders").get_data(as_text=True)

    # In each customer's own way of writing money: the American's $12.50, the German's €.
    assert "$12.50" in html and "150,00\xa0€" in html and eur.number in html


def test_orders_filter_by_customer_dates_and_search(client, world):
    other = make_customer(world.reseller_a, "Gamma AG")
    db.session.add(other)
    db.session.flush()
    gamma = another_order(other, world.reseller_a_user, world.price, 1)
    world.order_a.created_at = datetime(2026, 11, 2, 12, tzinfo=UTC)
    gamma.created_at = datetime(2026, 12, 2, 12, tzinfo=UTC)
    db.session.commit()
    login(client, world.reseller_a_user)

    by_customer = client.get(f"/orders?customer={other.id}").get_data(as_text=True)
    in_december = client.get("/orders?from=2026-12-01&to=2026-12-31").get_data(as_text=True)
    found = client.get(f"/orders?q={world.order_a.number[-4:]}").get_data(as_text=True)

    assert rows(by_customer) == [gamma.number]
    assert rows(in_december) == [gamma.number]
    assert rows(found) == [world.order_a.number]


def test_the_date_range_is_the_viewers_calendar_days_on_sqlite_too(client, world):
    """SQLite compared a Los Angeles midnight by its clock fields with UTC timestamps, so
    an order of 6 Dec, 19:00 there (7 Dec, 03:00 UTC) fell on the 7th's list."""
    set_time_zone(world.reseller_a_user, "America/Los_Angeles")
    world.order_a.created_at = datetime(2026, 12, 7, 3, tzinfo=UTC)
    db.session.commit()
    login(client, world.reseller_a_user)

    sixth = client.get("/orders?from=2026-12-06&to=2026-12-06").get_data(as_text=True)
    seventh = client.get("/orders?from=2026-12-07&to=2026-12-07").get_data(as_text=True)

    assert world.order_a.number in rows(sixth)
    assert world.order_a.number not in rows(seventh)


def test_a_bad_date_is_named_with_its_fix_not_a_500(client, world):
    login(client, world.reseller_a_user)

    response = client.get("/orders?from=02.12.2026")

    assert response.status_code == 200
    assert "from: enter a date as YYYY-MM-DD" in response.get_data(as_text=True)
    assert rows(response.get_data(as_text=True)) == [world.order_a.number]
    # One row: its count agrees ("1 order", "1 row"), as 31 below say "orders".
    assert "Page 1 of 1 (1 order)" in response.get_data(as_text=True)
    assert "Download CSV (1 row)" in response.get_data(as_text=True)


def test_pages_keep_the_filters_and_the_page_size(client, world):
    for n in range(30):
        another_order(world.customer_a, world.reseller_a_user, world.price, n)
    db.session.commit()
    login(client, world.reseller_a_user)

    first = client.get("/orders?status=open&q=alpha").get_data(as_text=True)
    fifty = client.get("/orders?status=open&q=alpha&per_page=50").get_data(as_text=True)

    assert len(rows(first)) == 25 and "Page 1 of 2 (31 orders)" in first
    next_link = re.search(r'<a href="([^"]+)" rel="next">', first).group(1)
    assert "status=open" in next_link and "q=alpha" in next_link and "page=2" in next_link
    assert len(rows(fifty)) == 31 and 'rel="next"' not in fifty


def test_the_orders_csv_holds_every_filtered_row_with_its_amount(client, world):
    for n in range(30):
        another_order(world.customer_a, world.reseller_a_user, world.price, n)
    db.session.commit()
    login(client, world.reseller_a_user)

    table = csv_rows(served(client, "/orders?format=csv&sort=number&dir=asc"))

    assert table[0] == ["Order", "Placed (UTC)", "Customer", "Reseller", "Status",
                        "Currency", "Total"]
    assert len(table) == 32  # the header and all 31, not one page of them
    assert table[1][0] == world.order_a.number and table[1][5:] == ["USD", "12.50"]


def test_the_admin_filters_all_orders_by_reseller_and_downloads_them(client, world):
    login(client, world.admin)

    page = client.get(f"/admin/orders?status=all&reseller={world.reseller_b.id}")
    table = csv_rows(served(client, f"/admin/orders?status=all&reseller={world.reseller_b.id}"
                                "&format=csv"))

    assert rows(page.get_data(as_text=True)) == [world.order_b.number]
    assert [row[0] for row in table[1:]] == [world.order_b.number]
    assert "$12.50" in page.get_data(as_text=True)  # Beta GmbH is American: en_US


def test_subscriptions_filter_by_customer_search_sort_and_export(client, world):
    other = make_customer(world.reseller_a, "Gamma AG")
    db.session.add(other)
    db.session.flush()
    mine = bought(world.order_a, quantity=5)
    theirs = bought(another_order(other, world.reseller_a_user, annual_eur_price(), 1),
                    quantity=2)
    db.session.commit()
    login(client, world.reseller_a_user)

    by_customer = client.get(f"/subscriptions?customer={other.id}").get_data(as_text=True)
    searched = client.get("/subscriptions?q=dynamics").get_data(as_text=True)
    by_quantity = client.get("/subscriptions?sort=quantity&dir=asc").get_data(as_text=True)
    table = csv_rows(served(client, f"/subscriptions?customer={world.customer_a.id}&format=csv"))

    assert rows(by_customer) == [theirs.title]
    assert rows(searched) == [theirs.title]
    assert rows(by_quantity) == [theirs.title, mine.title]
    assert [row[0] for row in table[1:]] == [str(mine.id)]


def test_customers_sort_search_and_export(client, world):
    db.session.add_all([make_customer(world.reseller_a, "Zeta SA"),
                        make_customer(world.reseller_a, "Mu BV")])
    db.session.commit()
    login(client, world.reseller_a_user)

    down = client.get("/customers?sort=company&dir=desc").get_data(as_text=True)
    searched = client.get("/customers?q=zet").get_data(as_text=True)
    table = csv_rows(served(client, "/customers?format=csv"))

    assert rows(down) == ["Zeta SA", "Mu BV", "Alpha GmbH"]
    assert rows(searched) == ["Zeta SA"]
    assert [row[0] for row in table[1:]] == ["Alpha GmbH", "Mu BV", "Zeta SA"]


def test_the_admin_lists_direct_customers_only_when_asked(client, world):
    login(client, world.admin)

    html = client.get("/admin/customers?reseller=direct").get_data(as_text=True)

    assert rows(html) == ["Direct Ltd"]


def test_a_customers_page_lists_its_subscriptions_and_orders(client, world):
    sub = bought(world.order_a, quantity=3, term_end=datetime.now(UTC) + timedelta(days=200))
    db.session.commit()
    login(client, world.reseller_a_user)

    html = client.get(f"/customers/{world.customer_a.id}").get_data(as_text=True)

    subs = html[html.index('id="customer-subscriptions"'):html.index('id="customer-orders"')]
    orders = html[html.index('id="customer-orders"'):]
    assert f'href="/subscriptions/{sub.id}"' in subs
    assert f'href="/orders/{world.order_a.id}"' in orders and "$12.50" in orders


def test_a_direct_customers_company_page_lists_its_own_orders(client, world):
    order = another_order(world.direct, world.direct_user, world.price, 1)
    db.session.commit()
    login(client, world.direct_user)

    html = client.get("/company").get_data(as_text=True)

    assert f'href="/orders/{order.id}"' in html[html.index('id="customer-orders"'):]
    assert world.order_a.number not in html


def test_the_admins_customer_page_links_its_orders_to_the_admin_order_page(client, world):
    sub = bought(world.order_b)
    db.session.commit()
    login(client, world.admin)

    html = client.get(f"/admin/customers/{world.customer_b.id}").get_data(as_text=True)

    assert f'href="/subscriptions/{sub.id}"' in html
    assert f'href="/admin/orders/{world.order_b.id}"' in html[html.index('id="customer-orders"'):]
