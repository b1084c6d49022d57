"""The provider admin records usage in a real browser and sees the burn-down and the notice."""

from datetime import date, timedelta

from playwright.sync_api import Page, expect

from commitments.records import services
from tests.browser.test_reseller_creates_customer import sign_in
from tests.enrollments.conftest import activate, mainland_enterprise, price_meters


def test_admin_records_usage_and_sees_the_burn_down_and_the_50_percent_notice(
    page: Page, live_server, world
):
    start = date.today() - timedelta(days=60)
    price_meters(None, world.admin, {"Virtual Machines D4s v5 (hours)": "2.40"},
                 start - timedelta(days=30))  # the provider is the direct customer's partner
    enrollment = activate(services.create_enrollment(mainland_enterprise(world.direct), start),
                          world.admin, on=start - timedelta(days=5))
    sign_in(page, live_server, world.admin.email)
    page.get_by_role("link", name="Enrollments").click()
    page.get_by_role("link", name=enrollment.number).click()
    expect(page.get_by_test_id("status")).to_have_text("active")
    page.get_by_label("Meter").select_option("Virtual Machines D4s v5 (hours)")
    page.get_by_label("Quantity").fill("25000")
    page.get_by_role("button", name="Record usage").click()
    expect(page.get_by_role("status")).to_contain_text("50% notice sent")
    chart = page.get_by_test_id("burndown-1")
    expect(chart).to_be_visible()
    expect(chart).to_have_attribute("aria-label", "Burn-down of the year 1 commitment: "
                                    f"RMB 40,000.00 left, RMB 0.00 overage on {date.today()}")
    expect(page.get_by_role("cell", name="usage_threshold")).to_be_visible()
    # Activation's order confirmation and welcome letter (seed 000), then the 50% notice.
    expect(page.get_by_test_id("unread")).to_contain_text("3")
    page.get_by_test_id("unread").click()
    expect(page.get_by_role("link", name=f"{enrollment.number}: 50% of the commitment used"))\
        .to_be_visible()
