"""Prices in words and units on every page that shows one (#20 point 3): per license per
month or year, the billing frequency, the term in words and the tax status; never the
ISO codes P1M, P1Y or P3Y."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from catalog.models import ResellerMarkup
from persistence import db
from tests.api.factories import make_subscription
from tests.conftest import login, make_price, post_form

ISO_TERM = re.compile(r"\bP[0-9]+[MYWD]\b")


def visible_text(html: str) -> str:
    """What a person reads: the page without its tags, scripts and attribute values."""
    return re.sub(r"<[^>]+>", " ", html)


@pytest.fixture
def plans(world):
    """The world's monthly plan, an annual 1-year plan and a 3-year plan, all in the US."""
    annual = make_price(title="Microsoft 365 E3", product_id="CFQ7TTC0LFLZ", term="P1Y",
                        cycle="annual", cost="360", erp="432")
    triennial = make_price(title="Windows Server", product_id="DG7GMGF0D3SJ", term="P3Y",
                           cycle="triennial", cost="900", erp="1000")
    from catalog.models import CatalogSettings

    settings = CatalogSettings.current()
    settings.annual_billing_cycle_enabled = settings.annual_provisioning_enabled = True
    db.session.commit()
    return annual, triennial


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_no_page_shows_a_term_as_its_iso_code(client, browser, world, plans):
    annual, triennial = plans
    subscription = make_subscription(world.customer_a, annual, quantity=3)
    make_subscription(world.customer_a, triennial)
    login(client, world.reseller_a_user)
    post_form(client, "/cart/add", {"customer": world.customer_a.id, "price_id": annual.id,
                                    "quantity": "2"}, token_url="/shop")
    pages = {url: page(client, url) for url in (
        "/shop", f"/shop?customer={world.customer_a.id}",
        f"/cart?customer={world.customer_a.id}", f"/orders/{world.order_a.id}",
        "/subscriptions", f"/subscriptions/{subscription.id}")}
    admin = browser()
    login(admin, world.admin)
    product = annual.sku.product_id
    pages.update({url: page(admin, url) for url in (
        f"/admin/catalog/{product}", f"/admin/orders/{world.order_a.id}")})
    preview = post_form(admin, f"/admin/catalog/prices/{annual.id}",
                        {"retail_price": "400"}, token_url=f"/admin/catalog/{product}")
    pages["price preview"] = preview.get_data(as_text=True)
    for url, html in pages.items():
        assert not ISO_TERM.findall(visible_text(html)), url
    assert "1-year term · billed annually" in pages[f"/subscriptions/{subscription.id}"]
    assert "3 years" in pages[f"/shop?customer={world.customer_a.id}"]


def test_the_shop_says_per_license_per_period_the_billing_and_the_tax(client, world, plans):
    login(client, world.direct_user)
    text = visible_text(page(client, "/shop"))
    assert "1 month" in text and "1 year" in text and "3 years" in text
    assert "billed monthly" in text and "billed annually" in text
    assert "per license per month · excl. tax" in text
    assert "per license per year · excl. tax" in text
    assert "per license per 3 years · excl. tax" in text


def test_a_tax_inclusive_market_says_incl_tax_on_the_shop_cart_and_order(client, world):
    """C6: AU and BR price lists include tax; their prices say so on every page."""
    brazil = make_price(title="Brazil Plan", product_id="CFQ7TTC0BRZL", market="BR",
                        currency="BRL", cost="50", erp="60")
    world.direct.country = "BR"
    db.session.commit()
    login(client, world.direct_user)
    assert "per license per month · incl. tax" in visible_text(page(client, "/shop"))
    post_form(client, "/cart/add", {"customer": world.direct.id, "price_id": brazil.id,
                                    "quantity": "2"}, token_url="/shop")
    cart = visible_text(page(client, "/cart"))
    assert "per license per month" in cart and "per month · incl. tax" in cart


def test_the_cart_and_the_order_say_per_license_and_per_billing_period(client, world, plans):
    annual, _ = plans
    login(client, world.reseller_a_user)
    post_form(client, "/cart/add", {"customer": world.customer_a.id, "price_id": annual.id,
                                    "quantity": "2"}, token_url="/shop")
    cart = visible_text(page(client, f"/cart?customer={world.customer_a.id}"))
    assert "per license per year" in cart and "per year · excl. tax" in cart
    order = visible_text(page(client, f"/orders/{world.order_a.id}"))
    assert "1-month term · billed monthly" in order and "per month · excl. tax" in order


def test_a_subscription_shows_its_price_per_license_and_per_billing_period(client, world):
    subscription = make_subscription(world.direct, world.price, quantity=4)
    login(client, world.direct_user)
    text = visible_text(page(client, f"/subscriptions/{subscription.id}"))
    # The direct customer's price is Microsoft's ERP price, 12.50 a license a month.
    assert re.search(r"12\.50\s+per license per month · excl\. tax", text)
    assert re.search(r"50\.00\s+for 4 licenses per month", text)


def test_a_reseller_sees_cost_retail_and_margin_in_the_shop(client, world):
    db.session.add(ResellerMarkup(reseller_id=world.reseller_a.id, product_id=None,
                                  markup_percent=Decimal("10")))
    db.session.commit()
    login(client, world.reseller_a_user)
    html = page(client, f"/shop?customer={world.customer_a.id}")
    assert "Your cost" in html and "Retail to your customer" in html and "Your margin" in html
    # Cost 10.00 + 10 % = 11.00; retail (ERP) 12.50; margin 1.50, 12.0 % of retail.
    assert re.search(r'data-testid="price">\$11\.00', html)
    assert re.search(r'data-testid="retail">\$12\.50', html)
    assert re.search(r'data-testid="margin">\$1\.50 <small class="muted">\(12\.0 %\)', html)


def margin_page(client, world) -> str:
    """Reseller A's page of 3 licences its customer buys at 14.00 retail, at cost plus 20 %
    (12.00), as the reseller reads it."""
    world.price.retail_price = Decimal("14.00")
    db.session.add(ResellerMarkup(reseller_id=world.reseller_a.id, product_id=None,
                                  markup_percent=Decimal("20")))
    db.session.commit()
    subscription = make_subscription(world.customer_a, world.price, quantity=3)
    login(client, world.reseller_a_user)
    return visible_text(page(client, f"/subscriptions/{subscription.id}"))


def test_a_reseller_sees_cost_retail_and_margin_per_license_and_per_period(client, world):
    text = margin_page(client, world)
    # Cost 12.00, retail 14.00, margin 2.00 (14.3 %); for 3 licenses 36.00, 42.00, 6.00.
    # (Alpha GmbH is American: it reads money as $12.00.)
    assert re.search(r"Your cost\s+\$12\.00\s+per license per month · excl\. tax\s*;\s+"
                     r"\$36\.00\s+for 3 licenses per month", text)
    assert re.search(r"Retail to the customer\s+\$14\.00\s+per license per month\s*;\s+"
                     r"\$42\.00\s+per month", text)
    assert re.search(r"Margin\s+\$2\.00\s+\(14\.3 %\)\s+per license per month\s*;\s+"
                     r"\$6\.00\s+per month", text)


def test_a_margin_share_is_written_as_the_reader_writes_numbers_b1(client, world):
    # Was "(14.3 %)" beside "2,00 $" for a German-reading customer's reseller.
    world.customer_a.language, world.customer_a.country = "de", "DE"
    text = margin_page(client, world)
    assert re.search(r"Margin\s+2,00\s\$\s+\(14,3 %\)", text.replace("\xa0", " ")), text
