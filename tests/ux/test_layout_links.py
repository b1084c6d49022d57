"""The layout's links (stylesheet, scripts, menu, account, sign-out) are built once per app
and mount point (#27): each must still be where url_for says, under any mount point."""

from __future__ import annotations

import re

from flask import url_for

from accounts.models import CompanyRole
from notifications import notify
from persistence import db
from tests.conftest import login


def layout_links(page: str) -> set[str]:
    return set(re.findall(r'(?:href|src|action)="([^"]+)"', page))


def test_every_layout_link_is_where_url_for_says_under_each_mount_point(app, world):
    client = app.test_client()
    login(client, world.reseller_a_user)  # at the root: the cookie's path is /
    for mount in ("", "/storefront", ""):  # one app: what one mount kept must not leak
        base_url = f"http://localhost{mount}/"
        page = client.get("/shop", base_url=base_url).get_data(as_text=True)
        with app.test_request_context("/shop", base_url=base_url):
            expected = {url_for("static", filename="style.css"),
                        url_for("static", filename="behaviour.js"),
                        url_for("static", filename="confirm.js"), url_for("main.home"),
                        url_for("notifications.index"), url_for("account.profile"),
                        url_for("auth.logout"), url_for("shop.index")}
        assert all(link.startswith(f"{mount}/") for link in expected)
        assert expected <= layout_links(page), mount


# The top bar is rendered once per worker for each combination of what it shows and kept
# (storefront/templating.py page_header, #27): it must still follow each of those facts, and
# its sign-out form must carry each browser's own CSRF token.

def top_bar(page: str) -> str:
    return page[page.index('<header class="topbar">'):page.index("</header>")]


def test_browsers_sharing_a_kept_top_bar_each_sign_out_with_their_own_token(browser, world):
    first, second = browser(), browser()
    for each in (first, second):
        login(each, world.reseller_a_user)
    bars = [top_bar(each.get("/customers").text) for each in (first, second)]
    tokens = [re.search(r'name="csrf_token" value="([^"]+)"', bar).group(1) for bar in bars]
    assert bars[0].replace(tokens[0], "") == bars[1].replace(tokens[1], "")  # one kept bar
    for each, token in zip((first, second), tokens, strict=True):
        assert each.post("/logout", data={"csrf_token": token}).status_code == 302
        assert each.get("/customers").status_code == 302  # signed out: to the sign-in page


def test_the_top_bar_follows_the_unread_count_the_page_and_the_users_name(client, world):
    login(client, world.reseller_a_user)
    bar = top_bar(client.get("/customers").text)
    assert 'class="badge count"' not in bar
    assert 'href="/customers" aria-current="page"' in bar
    notify([world.reseller_a_user], "Renewal due", "soon")
    world.reseller_a_user.name = "Renamed Person"
    db.session.commit()
    bar = top_bar(client.get("/shop").text)
    assert 'class="badge count">1<' in bar and "Renamed Person" in bar
    assert 'href="/shop" aria-current="page"' in bar
    assert 'href="/customers" aria-current="page"' not in bar


def test_a_user_made_billing_only_is_shown_only_invoices_on_the_next_page(client, world):
    login(client, world.reseller_a_user)
    assert 'href="/customers"' in top_bar(client.get("/invoices").text)
    world.reseller_a_user.company_role = CompanyRole.BILLING  # the same name, company, count
    db.session.commit()
    menu = top_bar(client.get("/invoices").text)
    assert 'href="/customers"' not in menu and 'href="/invoices"' in menu
