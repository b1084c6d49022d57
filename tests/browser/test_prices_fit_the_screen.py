"""Prices are on screen, not behind a table's sideways scroll: the cart's plans table on a
1280 px screen with every control a line can carry (R6's end-date choice names each
subscription in full, and at its natural width pushed the unit price and amount past the
table's right edge); on a 390 px phone the shop's offers, the cart's plans, an order's
lines and an invoice's lines and payments (each row stacks, its cells named)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from playwright.sync_api import Page, expect

from billing.payments import PaymentInput, record_payment
from orders import cart as carts
from persistence import db
from tests.api.factories import make_subscription
from tests.billing.factories import make_invoice
from tests.browser.test_reseller_creates_customer import sign_in
from tests.conftest import make_price

SCROLLED = "box => box.scrollWidth > box.clientWidth + 2"


def test_a_line_with_its_end_date_choice_fits_beside_its_prices_r6(page: Page, live_server,
                                                                   world):
    today = datetime.now(UTC)
    end = (today + timedelta(days=12)).replace(hour=9, minute=0, second=0, microsecond=0)
    if end.day in (28, 29, 30):  # a monthly term cannot end on those days (R6)
        end += timedelta(days=3)
    make_subscription(world.customer_a, world.price, quantity=5, term_duration="P1M",
                      term_end=end, purchased_at=today - timedelta(days=18))
    e3 = make_price(title="Microsoft 365 E3", product_id="CFQ7TTC0LFLZ", family="microsoft365",
                    cost="30.00", erp="36.00")
    db.session.commit()
    carts.add_line(carts.cart_for(world.reseller_a_user, world.customer_a), e3.id, 4)
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, live_server, world.reseller_a_user.email)
    page.goto(f"{live_server}/cart?customer={world.customer_a.id}")
    expect(page.get_by_label("End date of Microsoft 365 E3")).to_be_visible()
    table = page.locator("#problem-lines + .table-scroll")
    assert not table.evaluate(SCROLLED), "the plans table scrolls sideways"
    expect(page.locator("#line-amount-0")).to_be_in_viewport()


def test_on_a_phone_each_offer_shows_its_price_and_add_to_cart_on_screen(page: Page,
                                                                       live_server, world):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, world.reseller_a_user.email)
    page.goto(f"{live_server}/shop?customer={world.customer_a.id}")
    row = page.locator("table.prices tbody tr").first
    for part in (row.get_by_test_id("price"), row.get_by_test_id("margin"),
                 row.get_by_role("button", name="Add to cart")):
        box = part.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    # Each cell says which column it is (the headings are for screen readers there).
    labels = row.locator("td[data-label]").evaluate_all(
        "cells => cells.map(c => getComputedStyle(c, '::before').content)")
    assert labels[:2] == ['"Term"', '"Billing"'] and '"Your margin"' in labels


PHONE = {"width": 390, "height": 844}


def on_screen(locator) -> bool:
    box = locator.bounding_box()
    return bool(box) and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]


def labels_of(row) -> list[str]:
    return row.locator("td[data-label]").evaluate_all(
        "cells => cells.map(c => getComputedStyle(c, '::before').content)")


def test_on_a_phone_the_carts_amounts_total_and_controls_are_on_screen(page: Page,
                                                                       live_server, world):
    carts.add_line(carts.cart_for(world.reseller_a_user, world.customer_a), world.price.id, 3)
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, world.reseller_a_user.email)
    page.goto(f"{live_server}/cart?customer={world.customer_a.id}")
    table = page.locator("#problem-lines + .table-scroll")
    assert not table.evaluate(SCROLLED), "the plans table scrolls sideways"
    for part in (page.locator("#line-amount-0"), page.locator("[id^=total-]").first,
                 page.get_by_label(f"Quantity of {world.price.sku.product.title}"),
                 page.get_by_role("button", name="Update")):
        assert on_screen(part), part
    assert labels_of(page.locator("tr#line-0")) == [
        '"Term and billing · quantity"', '"Unit price"', '"Amount"']


def test_on_a_phone_an_orders_lines_show_amount_status_and_total_on_screen(page: Page,
                                                                           live_server,
                                                                           world):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, world.reseller_a_user.email)
    page.goto(f"{live_server}/orders/{world.order_a.id}")
    table = page.locator("main .table-scroll")
    assert not table.evaluate(SCROLLED), "the lines table scrolls sideways"
    row = table.locator("tbody tr").first
    assert labels_of(row) == ['"Line"', '"Term / billing"', '"Quantity"', '"Amount"',
                              '"Status"']
    for part in (row.locator("td[data-label=Amount]"), row.locator(".line-status"),
                 table.locator("[id^=total-]").first):
        assert on_screen(part), part


def test_on_a_phone_an_invoices_line_and_payment_amounts_are_on_screen(page: Page,
                                                                        live_server, world):
    invoice = make_invoice(reseller=world.reseller_a, end_customer=world.customer_a)
    record_payment(invoice, PaymentInput(amount="50.00", paid_on=date(2025, 4, 10),
                                         method="wire_transfer", reference="April wire"),
                   date(2025, 4, 10), world.admin.id)
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, world.reseller_a_user.email)
    page.goto(f"{live_server}/invoices/{invoice.id}")
    for table in (page.locator("table.invoice-lines"), page.get_by_test_id("payments")):
        assert not table.locator("xpath=..").evaluate(SCROLLED), "a table scrolls sideways"
        assert on_screen(table.locator("td[data-label=Amount]").first)
    line = page.locator("table.invoice-lines tbody tr:has(td)").first
    assert labels_of(line) == ['"Charge"', '"Period"', '"Quantity"', '"Unit price"',
                               '"Amount"']
    # The reseller's restatement of it for the end customer, at retail.
    page.goto(f"{live_server}/invoices/{invoice.id}/reinvoice")
    table = page.locator("main .table-scroll").first
    assert not table.evaluate(SCROLLED), "the restated lines scroll sideways"
    assert on_screen(page.get_by_test_id("retail-amount").first)
