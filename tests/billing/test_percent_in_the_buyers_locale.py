"""B4/B5: a tax rate is written as the document's amounts are: a German buyer's invoice and
its reseller statement say "7,7 %" beside "1.234,50 €", not "7.7 %"; the provider's tax
rates page writes rates in the storefront's locale."""

from __future__ import annotations

import re

from tests.billing.factories import make_invoice
from tests.conftest import login, post_form


def text_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    text = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return re.sub(r"\s+", " ", text.replace("\xa0", " "))


def test_a_german_invoice_writes_its_tax_rate_with_a_decimal_comma_b4(client, shop):
    invoice = make_invoice(reseller=shop.reseller_a, end_customer=shop.customer_a,
                           rate="0.077")
    login(client, shop.reseller_a_user)
    shown = text_of(client, f"/invoices/{invoice.id}")
    assert "VAT 7,7 %" in shown and "100,00 €" in shown
    assert "7.7 %" not in shown


def test_the_tax_rates_page_writes_rates_in_the_storefronts_locale_b4(app, client, shop):
    app.config["DEFAULT_LOCALE"] = "de_DE"
    login(client, shop.admin)
    saved = post_form(client, "/admin/billing/tax-rates",
                      {"country": "DE", "rate": "7.7", "label": "USt", "note": ""})
    assert saved.status_code == 302
    assert "DE 7,7 % USt" in text_of(client, "/admin/billing/tax-rates")
