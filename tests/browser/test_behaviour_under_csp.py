"""The pages' behaviour works under the strict Content-Security-Policy: it moved from inline
on…= handlers (which the policy blocks) to static/behaviour.js, and does what it did."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from connectors.partner_center.sandbox import seed
from persistence import db
from tests.browser.test_reseller_creates_customer import sign_in


@pytest.fixture
def blocked(page: Page) -> list[str]:
    """What the browser refused under the policy, from its console."""
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    return refused


def test_choosing_a_status_filters_the_gdap_list_at_once(page: Page, live_server, world,
                                                        blocked):
    sign_in(page, live_server, world.admin.email)
    page.goto(f"{live_server}/admin/gdap/")
    page.get_by_label("Status").select_option("active")
    expect(page).to_have_url(re.compile(r"/admin/gdap/\?status=active$"))
    expect(page.get_by_label("Status")).to_have_value("active")
    assert blocked == []


def test_choosing_a_customer_in_the_shop_shows_its_prices_at_once(page: Page, live_server,
                                                                 world, blocked):
    sign_in(page, live_server, world.reseller_a_user.email)
    page.goto(f"{live_server}/shop")
    page.get_by_label("Buying for").select_option(str(world.customer_a.id))
    expect(page).to_have_url(re.compile(rf"/shop\?customer={world.customer_a.id}&"))
    expect(page.get_by_role("heading", name="Shop for Alpha GmbH")).to_be_visible()
    assert blocked == []


def test_a_click_on_the_invitation_link_selects_all_of_it_to_copy(page: Page, live_server,
                                                                 world, blocked):
    customer = world.customer_a
    customer.tenant_mode, customer.tenant_id = "existing", seed.TENANT_WITH_DAP_ID
    db.session.commit()
    sign_in(page, live_server, world.reseller_a_user.email)
    page.goto(f"{live_server}/customers/{customer.id}/tenant")
    link = page.get_by_label("Relationship invitation link")
    link.click()
    assert link.evaluate("field => field.value.length > 0 && field.selectionStart === 0 "
                         "&& field.selectionEnd === field.value.length")
    assert blocked == []


def test_choosing_a_software_family_offers_its_delivery_at_once_S7(page: Page, live_server,
                                                                  world, blocked):
    sign_in(page, live_server, world.admin.email)
    page.goto(f"{live_server}/admin/catalog/{world.price.sku.product.id}")
    delivery = page.get_by_label("Comes with (S7)")
    expect(delivery).to_be_hidden()
    page.get_by_label("Family").select_option("software_subscription")
    expect(delivery).to_be_visible()
    page.get_by_label("Family").select_option("dynamics")
    expect(delivery).to_be_hidden()
    assert blocked == []


def test_the_status_shown_is_marked_among_the_orders_tabs(page: Page, live_server, world,
                                                          blocked):
    """Every status link looked alike: only the empty list's sentence told which was shown."""
    sign_in(page, live_server, world.admin.email)
    page.goto(f"{live_server}/admin/orders?status=all")
    tabs = page.get_by_role("navigation", name="Filter by status")
    shown, other = tabs.get_by_role("link", name="All", exact=True), tabs.get_by_role(
        "link", name=re.compile("^Provisioned"))
    look = "el => [getComputedStyle(el).fontWeight, getComputedStyle(el).borderBottomStyle, " \
           "getComputedStyle(el).borderBottomColor]"
    weight, style, color = shown.evaluate(look)
    assert int(weight) >= 600 and style == "solid" and color != "rgba(0, 0, 0, 0)"
    assert int(other.evaluate(look)[0]) < 600
    assert other.evaluate(look)[2] == "rgba(0, 0, 0, 0)"
    assert blocked == []
