"""Every page of every role fits a 390 px phone: the page never scrolls sideways (wide
tables scroll inside their own box) and the header, menu closed, stays compact."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from demo import load as demo

PHONE = {"width": 390, "height": 844}
HEADER_MAX_PX = 120
# What the browser measures: how wide the page is, and how tall the closed header.
MEASURE = """() => ({width: document.documentElement.scrollWidth, inner: window.innerWidth,
                     header: document.querySelector('header').getBoundingClientRect().height})"""
# Links from a list to one of its records: /orders/4, /admin/resellers/2, /invoices/1 …
RECORD = re.compile(r"^/[a-z/_-]*/\d+/?$")


def menu_of(page: Page) -> list[str]:
    return page.locator("header nav a").evaluate_all("links => links.map(a => a.pathname)")


def pages_of(page: Page, base: str) -> list[str]:
    """The role's home, account page and menu entries, then the first record each list links
    to (a customer, an order, a subscription, an invoice, an enrollment …)."""
    page.goto(base + "/")
    lists = list(dict.fromkeys(["/", "/account", "/notifications", *menu_of(page)]))
    records = []
    for path in lists:
        page.goto(base + path)
        hrefs = page.locator("main a[href]").evaluate_all("links => links.map(a => a.pathname)")
        records.extend(next(([h] for h in hrefs if RECORD.match(h) and h not in records), []))
    return lists + records


def fill_cart(page: Page, base: str) -> list[str]:
    """A buyer puts the first offer in the cart, so the cart shows its lines and the MCA
    form; a reseller buys for its first customer. Returns the shop and the cart pages."""
    page.goto(base + "/shop")
    buying_for = page.get_by_label("Buying for")
    if buying_for.count():
        buying_for.select_option(index=1)
        page.wait_for_url(re.compile(r"/shop\?customer=\d+"))
    shop = page.evaluate("location.pathname + location.search")
    page.get_by_role("button", name="Add to cart").first.click()
    expect(page.locator("#mca")).to_be_visible()
    return [shop, page.evaluate("location.pathname + location.search")]


def sign_in(page: Page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"^(?!.*/login)"))


@pytest.mark.parametrize("email, password", [(e, p) for e, p, _ in demo.SIGN_INS],
                         ids=[label for *_, label in demo.SIGN_INS])
def test_every_page_of_the_role_fits_a_phone_without_sideways_scroll(
        page: Page, live_server, app, email, password):
    demo.load()
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, email, password)

    shopped = fill_cart(page, live_server) if "/shop" in menu_of(page) else []
    visited, too_wide, tall_header = pages_of(page, live_server) + shopped, [], []
    for path in visited:
        page.goto(live_server + path)
        size = page.evaluate(MEASURE)
        if size["width"] > size["inner"]:
            too_wide.append((path, size["width"]))
        if size["header"] > HEADER_MAX_PX:
            tall_header.append((path, round(size["header"])))
    assert len(visited) >= 8  # the crawl reached the role's lists and their records
    assert too_wide == []
    assert tall_header == []

    # The links are one tap away: "Menu" unfolds them over the page.
    expect(page.get_by_role("button", name="Sign out")).to_be_hidden()
    page.locator("header summary").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.locator("header nav a").first).to_be_visible()


def test_on_a_wide_screen_the_menu_lies_open_without_a_toggle(page: Page, live_server, app):
    demo.load()
    email, password, _ = demo.SIGN_INS[1]
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, live_server, email, password)
    expect(page.locator("header summary")).to_be_hidden()
    expect(page.locator("header nav").get_by_role("link", name="Customers")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert page.evaluate(MEASURE)["header"] <= HEADER_MAX_PX
