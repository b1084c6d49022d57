"""A reseller signs in with a real browser and creates a customer."""

from playwright.sync_api import Page, expect
from sqlalchemy import select

from accounts.models import Customer
from persistence import db
from tests.conftest import PASSWORD


def sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_reseller_signs_in_and_creates_a_customer(page: Page, live_server, world):
    sign_in(page, live_server, world.reseller_a_user.email)
    expect(page.get_by_role("heading", name="Reseller A")).to_be_visible()
    page.get_by_role("link", name="Add a customer").click()
    page.get_by_label("Company name").fill("Browser Made Sp. z o.o.")
    page.get_by_label("Contact first name").fill("Olga")
    page.get_by_label("Contact last name").fill("Zielińska")
    page.get_by_label("Billing email").fill("olga@browsermade.example")
    page.get_by_label("Address line 1").fill("ul. Długa 5")
    page.get_by_label("City").fill("Kraków")
    page.get_by_label("Postal code").fill("31-147")
    page.get_by_label("Country").select_option("PL")
    page.get_by_label("NIP (Polish VAT number)").fill("8567346215")
    page.get_by_label("New tenant domain prefix").fill("browsermadepl")
    page.get_by_role("button", name="Save customer").click()
    expect(page.get_by_role("heading", name="Browser Made Sp. z o.o.")).to_be_visible()
    expect(page.get_by_text("Poland")).to_be_visible()
    customer = db.session.scalar(select(Customer).where(Customer.city == "Kraków"))
    assert customer.reseller_id == world.reseller_a.id


def test_refused_form_in_the_browser_keeps_what_was_typed(page: Page, live_server, world):
    sign_in(page, live_server, world.reseller_a_user.email)
    page.goto(f"{live_server}/customers/new")
    page.get_by_label("Company name").fill("Half Filled Ltd")
    page.get_by_role("button", name="Save customer").click()
    expect(page.get_by_label("Company name")).to_have_value("Half Filled Ltd")
    expect(page.locator("#city-err")).to_be_visible()
