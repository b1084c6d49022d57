"""A company signs up in Poland without its NIP and confirms from the emailed link, sees in
the cart what checkout will refuse (K3), fixes it from the Fix it link and lands back in
the cart, accepts the MCA (K5) and places its order."""

import re
from decimal import Decimal

from playwright.sync_api import Page, expect
from sqlalchemy import select

from accounts.models import Customer
from catalog.models import Price
from orders.models import Order
from persistence import db
from tests.conftest import confirm_link

SIGN_UP = [("Company name", "Gdańsk Bikes Sp. z o.o."), ("Contact first name", "Piotr"),
           ("Contact last name", "Wiśniewski"), ("Billing email", "piotr@bikes.example"),
           ("Phone", "+48 58 123 45 67"), ("Address line 1", "ul. Długa 1"),
           ("City", "Gdańsk"), ("Postal code", "80-827"),
           ("New tenant domain prefix", "gdanskbikes"), ("Your name", "Piotr Wiśniewski"),
           ("Your sign-in email", "piotr@bikes.example"),
           ("Password", "a-long-password"), ("Repeat password", "a-long-password")]


def test_a_direct_customer_signs_up_fixes_its_nip_from_the_cart_and_orders(
        page: Page, live_server, world):
    db.session.add(Price(sku=world.price.sku, term_duration="P1M", billing_cycle="monthly",
                         market="PL", currency="PLN", unit_price=Decimal("40"),
                         erp_price=Decimal("50")))
    db.session.commit()
    page.goto(f"{live_server}/signup")
    for label, value in SIGN_UP:
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_label("Country").select_option("PL")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    page.goto(live_server + confirm_link("piotr@bikes.example"))
    page.get_by_label("Password", exact=True).fill("a-long-password")
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_text("Your company account is ready")).to_be_visible()

    page.goto(f"{live_server}/shop")
    page.get_by_role("button", name="Add to cart").first.click()
    missing = page.locator('[data-code="K3.missing_tax_id"]')
    expect(missing).to_be_visible()  # before any check: the saved record already fails K3
    missing.get_by_role("link", name="Fix it").click()
    page.get_by_label("NIP (Polish VAT number)").fill("856-734-62-15")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(rf"{live_server}/cart\?customer=\d+$"))
    expect(page.locator("[data-code]")).to_have_count(0)

    page.get_by_label("I accept the Microsoft Customer Agreement").check()
    page.get_by_role("button", name="Record acceptance").click()
    expect(page.get_by_text("acceptance is recorded")).to_be_visible()
    page.get_by_role("button", name="Place order").click()
    expect(page.locator("#order-status")).to_have_text("submitted")
    customer = db.session.scalar(select(Customer).filter_by(company_name=SIGN_UP[0][1]))
    order = db.session.scalar(select(Order).filter_by(customer_id=customer.id))
    assert order.mca_acceptance_id and customer.tax_id.replace("-", "") == "8567346215"
