"""B4: an issued invoice states its issuer and its buyer as they were when it was issued:
changing the customer's address or tax id, or the provider's own details, afterwards
changes no invoice already issued (its page, PDF data and API alike)."""

from __future__ import annotations

from datetime import date

from billing.models import Invoice
from billing.runs import run_billing
from persistence import db
from tests.api.factories import bearer
from tests.billing.conftest import price_in, provisioned
from tests.conftest import login


def test_an_issued_invoice_keeps_the_parties_as_they_were_at_issue(
        app, client, shop, clock, pc_client):
    app.config.update(PROVIDER_NAME="Contoso Cloud Distribution",
                      PROVIDER_ADDRESS="1 Cloud Street; 10115 Berlin", PROVIDER_TAX_ID="DE123")
    customer = shop.direct
    customer.tax_id = "GB999 9999 73"
    db.session.commit()
    provisioned(customer, shop.direct_user, price_in(shop, "GB", "GBP", "9.40"), 2, pc_client)
    run_billing("2021-06", date(2021, 6, 30))
    invoice = db.session.query(Invoice).one()
    assert (invoice.issuer_name, invoice.issuer_address, invoice.issuer_tax_id) == (
        "Contoso Cloud Distribution", "1 Cloud Street\n10115 Berlin", "DE123")
    assert (invoice.buyer_name, invoice.buyer_tax_id) == ("Direct Ltd", "GB999 9999 73")
    issued_address = invoice.buyer_address
    assert "SW1A 1AA London" in issued_address

    customer.company_name, customer.address_line1 = "Direct Renamed Ltd", "99 New Road"
    customer.postal_code, customer.city, customer.tax_id = "M1 1AA", "Manchester", "GB000"
    db.session.commit()
    app.config.update(PROVIDER_NAME="Contoso Renamed", PROVIDER_ADDRESS="2 Other Street",
                      PROVIDER_TAX_ID="DE999")

    db.session.expire_all()
    assert (invoice.buyer_name, invoice.buyer_address, invoice.buyer_tax_id) == (
        "Direct Ltd", issued_address, "GB999 9999 73")
    login(client, shop.direct_user)
    page = client.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    issuer = page.split('data-testid="issuer"')[1].split("</div>")[0]
    buyer = page.split('data-testid="buyer"')[1].split("</p>")[0]
    assert "Contoso Cloud Distribution" in issuer and "1 Cloud Street" in issuer \
        and "DE123" in issuer and "Renamed" not in issuer
    assert "Direct Ltd" in buyer and "SW1A 1AA London" in buyer and "GB999 9999 73" in buyer
    assert "Manchester" not in buyer and "Renamed" not in buyer
    api = client.get(f"/api/v1/invoices/{invoice.id}", headers=bearer(shop.direct_user))
    body = api.get_json()
    assert (body["buyer_name"], body["buyer_tax_id"], body["issuer_name"]) == (
        "Direct Ltd", "GB999 9999 73", "Contoso Cloud Distribution")
