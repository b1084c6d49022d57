"""A reseller adds licenses to a subscription through the cart, then cancels a new one inside
the 168-hour window and sees the prorated refund before and after confirming (S2, S3, S4)."""

import re

from playwright.sync_api import Page, expect

from persistence import db
from tests.browser.test_reseller_creates_customer import sign_in
from tests.subscriptions.conftest import buy, tenant  # noqa: F401 -- fixtures


def test_reseller_adds_licenses_then_cancels_inside_the_window_and_sees_the_refund(
        page: Page, live_server, world, buy, pc_sandbox):  # noqa: F811
    world.reseller_a_user.admin_agent = True
    db.session.commit()
    held, fresh = buy(quantity=2), buy(quantity=2)
    sign_in(page, live_server, world.reseller_a_user.email)

    page.goto(f"{live_server}/subscriptions")
    page.locator(f'a[href="/subscriptions/{held.id}"]').click()
    page.get_by_label("Extra licenses").fill("3")
    page.get_by_role("button", name="Add licenses").click()
    expect(page.get_by_role("heading", name="Cart")).to_be_visible()
    extra = page.get_by_text("extra licenses for the subscription (2 now)")
    expect(extra.get_by_role("link")).to_have_attribute("href", f"/subscriptions/{held.id}")

    page.goto(f"{live_server}/subscriptions/{fresh.id}")
    page.get_by_role("link", name="Cancel subscription…").click()
    refund = page.locator("#refund").inner_text()
    assert re.fullmatch(r"\$2[45]\.\d\d", refund)  # almost the whole 2 × 12.50 month
    page.get_by_role("button", name="Confirm cancellation").click()
    expect(page.get_by_text(f"Cancelled. Refund: {refund}.")).to_be_visible()
    expect(page.locator("#subscription-status")).to_have_text("cancelled")
    assert pc_sandbox.data["subscriptions"][fresh.pc_subscription_id]["wire"]["status"] == \
        "deleted"
