"""A reseller orders a Business plan for a new Polish customer: a bad NIP is refused, fixed,
and the order is placed (K3, with K1/K2/K5/K8 passing along the way)."""

from decimal import Decimal

from playwright.sync_api import Page, expect
from sqlalchemy import select

from catalog.models import Price
from orders.models import Order
from persistence import db
from tests.browser.test_reseller_creates_customer import sign_in


def test_reseller_fixes_a_bad_nip_and_places_the_order(page: Page, live_server, world):
    db.session.add(Price(sku=world.price.sku, term_duration="P1M", billing_cycle="monthly",
                         market="PL", currency="PLN", unit_price=Decimal("40"),
                         erp_price=Decimal("50")))
    db.session.commit()
    sign_in(page, live_server, world.reseller_a_user.email)
    page.goto(f"{live_server}/customers/new")
    page.get_by_label("Country").select_option("PL")  # the tax ID field is then the NIP
    for label, value in [("Company name", "Kraków Widgets Sp. z o.o."),
                         ("Contact first name", "Olga"), ("Contact last name", "Zielińska"),
                         ("Billing email", "olga@widgets.example"), ("Phone", "+48 12 345 67 89"),
                         ("Address line 1", "ul. Długa 5"), ("City", "Kraków"),
                         ("Postal code", "31-147"),
                         ("NIP (Polish VAT number)", "8567346216"),
                         ("New tenant domain prefix", "krakowwidgets")]:
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name="Save customer").click()
    expect(page.get_by_role("heading", name="Kraków Widgets Sp. z o.o.")).to_be_visible()

    customer_id = page.url.rstrip("/").split("/")[-1]
    page.goto(f"{live_server}/shop?customer={customer_id}")
    page.get_by_role("button", name="Add to cart").first.click()
    expect(page.get_by_role("heading", name="Cart")).to_be_visible()
    page.get_by_label("I confirm my customer accepted").check()
    page.get_by_role("button", name="Record confirmation").click()
    expect(page.get_by_text("acceptance is recorded")).to_be_visible()

    page.get_by_role("button", name="Place order").click()
    refusal = page.locator('[data-code="K3.invalid_tax_id_checksum"]')
    expect(refusal).to_be_visible()
    assert db.session.scalar(select(Order).where(Order.customer_id == int(customer_id))) is None

    refusal.get_by_role("link", name="Fix it").click()
    page.get_by_label("NIP (Polish VAT number)").fill("8567346215")
    page.get_by_role("button", name="Save customer").click()
    expect(page).to_have_url(f"{live_server}/cart?customer={customer_id}")  # back in the cart
    page.get_by_role("button", name="Place order").click()
    expect(page.locator("#order-status")).to_have_text("submitted")
    expect(page.get_by_text("partner of record Reseller A")).to_be_visible()
