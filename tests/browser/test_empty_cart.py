"""In a real browser: an empty cart's "Place order" is disabled and looks it, so nobody
clicks a button that cannot work, and it says it is empty without a table of nothing;
once a plan is in the cart it is an ordinary button."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.test_reseller_creates_customer import sign_in

LOOK = "el => [getComputedStyle(el).opacity, getComputedStyle(el).cursor]"


def test_an_empty_carts_place_order_is_disabled_and_dimmed(page: Page, live_server, world):
    customer = world.customer_a
    sign_in(page, live_server, world.reseller_a_user.email)
    page.goto(f"{live_server}/cart?customer={customer.id}")
    expect(page.get_by_text("The cart is empty.")).to_be_visible()
    # No table of nothing: on a phone its empty columns scrolled sideways.
    expect(page.locator("#problem-lines + .table-scroll")).to_have_count(0)
    place = page.get_by_role("button", name="Place order")
    expect(place).to_be_disabled()
    opacity, cursor = place.evaluate(LOOK)
    assert float(opacity) < 0.7 and cursor == "not-allowed"

    page.goto(f"{live_server}/shop?customer={customer.id}")
    page.get_by_role("button", name="Add to cart").first.click()
    expect(place).to_be_enabled()
    assert place.evaluate(LOOK) == ["1", "pointer"]
