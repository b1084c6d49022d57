"""S7 journey (#25): the provider's admin reads a customer's entitlements from Partner Center,
copies the Windows Server key from the sandbox-only panel (what Partner Center's own pages
show an admin agent) into the storefront, a reseller's admin agent reveals it, and
the provider's admin finds the reveal in the key log."""

from playwright.sync_api import Page, expect

from persistence import db
from tests.browser.axe import violations
from tests.browser.test_reseller_creates_customer import sign_in
from tests.subscriptions.conftest import WINDOWS_SERVER, buy, tenant  # noqa: F401 -- fixtures


def fits_a_phone(page: Page) -> None:
    """No sideways scroll at 390 px and no serious accessibility issue."""
    page.set_viewport_size({"width": 390, "height": 844})
    width, screen = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= screen, f"{page.url} scrolls sideways: {width} > {screen}"
    assert violations(page) == []
    page.set_viewport_size({"width": 1280, "height": 800})


def test_admin_records_a_key_an_admin_agent_reveals_it_and_the_reveal_is_logged(
        page: Page, browser, live_server, world, buy):  # noqa: F811
    world.reseller_a_user.admin_agent = True
    db.session.commit()
    sub = buy(WINDOWS_SERVER, "", "one_time", quantity=1, family="perpetual_software")

    sign_in(page, live_server, world.admin.email)
    page.get_by_role("link", name="Software keys").click()
    # Choosing submits through behaviour.js (data-autosubmit), a deferred script: a choice
    # made before it ran changed nothing, and the next step waited for a page never asked
    # for (a full `make test` run, under load, once).
    page.wait_for_load_state()
    page.get_by_label("Customer").select_option(label=world.customer_a.company_name)
    page.get_by_role("button", name="Read entitlements from Partner Center now").click()
    expect(page.get_by_text("Partner Center lists 2 software entitlements")).to_be_visible()
    page.get_by_role("link", name=sub.title, exact=True).click()
    # The admin's part: copy from what Partner Center shows (the sandbox-only panel).
    key = page.locator("#sandbox-key").inner_text()
    link = page.locator("#sandbox-keys tbody tr").first.locator("td")
    page.get_by_label("Product key").fill(key)
    page.get_by_label("Download link (https://…)").fill(link.nth(0).inner_text())
    page.get_by_label("Language").fill(link.nth(2).inner_text())
    page.get_by_role("button", name="Record").click()
    expect(page.get_by_text("Recorded. Admin agents can now reveal it")).to_be_visible()
    recorded = page.get_by_role("row").filter(has_text=world.admin.email)
    expect(recorded).to_contain_text("•••••-•••••")  # the recorded key is never shown
    expect(recorded).not_to_contain_text(key)
    fits_a_phone(page)
    page.goto(f"{live_server}/admin/entitlements")
    fits_a_phone(page)

    agent = browser.new_context(locale="en-US").new_page()
    sign_in(agent, live_server, world.reseller_a_user.email)
    agent.goto(f"{live_server}/subscriptions/{sub.id}")
    expect(agent.get_by_role("button", name="Copy link to the download (en-US)")).to_be_visible()
    agent.get_by_role("button", name="Reveal product key").click()
    expect(agent.locator("#product-key")).to_have_text(key)
    fits_a_phone(agent)
    agent.context.close()

    page.get_by_role("link", name="Key log").first.click()
    row = page.get_by_role("row").filter(has_text=world.reseller_a_user.email)
    expect(row).to_contain_text("reveal")
    expect(row).to_contain_text(sub.title)
