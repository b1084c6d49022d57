"""The layout's links (stylesheet, scripts, menu, account, sign-out) are built once per app
and mount point (#27): each must still be where url_for says, under any mount point."""

from __future__ import annotations

import re

from flask import url_for

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
