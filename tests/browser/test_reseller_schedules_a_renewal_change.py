"""R1 in the browser: a reseller schedules a seat change for the renewal, sees it promised
on the subscription page, and after the renewal (the provider admin moves the sandbox's
Microsoft clock past the term's end, as in `make run`) sees it applied."""

from playwright.sync_api import Page, expect

from tests.browser.test_every_page_is_accessible import SQUEEZED_LABELS
from tests.browser.test_reseller_creates_customer import sign_in
from tests.subscriptions.conftest import buy, tenant  # noqa: F401 -- fixtures


def test_r1_a_reseller_schedules_a_seat_change_and_sees_the_renewal_apply_it(
        page: Page, browser, live_server, world, buy):  # noqa: F811
    sub = buy(quantity=2)
    sign_in(page, live_server, world.reseller_a_user.email)
    page.goto(f"{live_server}/subscriptions/{sub.id}")
    assert page.evaluate(SQUEEZED_LABELS) == []  # "Term" and "Billing" beside their selects
    page.locator("#next-quantity").fill("5")
    page.get_by_role("button", name="Schedule for the renewal").click()
    expect(page.locator("#next-term")).to_contain_text("5 licenses, 1 month, billed monthly")
    expect(page.locator("#next-term")).to_contain_text("the change you scheduled")
    expect(page.locator("#subscription-quantity")).to_have_text("2")  # this term unchanged

    admin = browser.new_context(locale="en-US").new_page()
    sign_in(admin, live_server, world.admin.email)
    admin.goto(f"{live_server}/subscriptions/{sub.id}")
    admin.get_by_role("button", name="Sandbox: move Microsoft's clock past this term's "
                                    "end").click()
    expect(admin.get_by_text("Microsoft's clock is now past this term's end")).to_be_visible()
    admin.context.close()

    page.reload()
    expect(page.locator("#subscription-quantity")).to_have_text("5")
    expect(page.locator("#next-term")).not_to_contain_text("the change you scheduled")
