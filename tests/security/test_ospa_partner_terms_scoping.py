"""The partner's terms (#24, O6) stay with the enrollment's partner: another reseller cannot
read or change them, and the customer cannot set its own terms or VAT invoices."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from billing.models import Payment
from commitments.records import price_list, services
from commitments.records.partner_models import OspaPrice, VatInvoice
from persistence import db
from tests.conftest import login, post_form
from tests.enrollments.conftest import SIGNED_ON as SIGNED
from tests.enrollments.conftest import activate, mainland_enterprise

START = date(2025, 4, 1)


def enrollment_of(world, customer):
    return activate(services.create_enrollment(mainland_enterprise(customer), START), world.admin)


def test_o6_another_reseller_cannot_set_the_payment_terms_or_record_a_vat_invoice(
    client, world
):
    row = enrollment_of(world, world.customer_a)
    login(client, world.reseller_b_user)
    terms = post_form(client, f"/enrollments/{row.id}/payment-terms",
                      {"payment_terms_days": "120"}, token_url="/enrollments")
    vat = post_form(client, f"/enrollments/{row.id}/vat-invoices", {
        "vat_invoice_id": row.invoices[0].id, "vat_number": "12345678",
        "vat_issued_on": "2025-04-01"}, token_url="/enrollments")
    assert (terms.status_code, vat.status_code) == (404, 404)
    db.session.expire_all()
    assert row.payment_terms_days == 30
    assert db.session.scalars(select(VatInvoice)).first() is None


def test_o6_the_customer_cannot_set_its_own_payment_terms(client, world):
    row = enrollment_of(world, world.direct)
    login(client, world.direct_user)
    response = post_form(client, f"/enrollments/{row.id}/payment-terms",
                         {"payment_terms_days": "180"}, token_url=f"/enrollments/{row.id}")
    assert response.status_code == 403
    db.session.expire_all()
    assert row.payment_terms_days == 30


def test_o6_a_reseller_sees_and_prices_only_its_own_list(client, world):
    price_list.schedule_price(world.reseller_b.id, "Secret meter", Decimal("9.99"),
                              date(2025, 1, 1), date(2025, 1, 1), world.reseller_b_user)
    login(client, world.reseller_a_user)
    page = client.get(f"/enrollments/prices?reseller={world.reseller_b.id}")
    assert page.status_code == 200 and "Secret meter" not in page.get_data(as_text=True)
    post_form(client, f"/enrollments/prices?reseller={world.reseller_b.id}",
              {"meter": "Compute", "unit_price": "1", "effective_from": date.today().isoformat()},
              token_url="/enrollments/prices")
    added = db.session.scalars(select(OspaPrice).where(OspaPrice.meter == "Compute")).one()
    assert added.partner_reseller_id == world.reseller_a.id


def test_o6_a_customer_cannot_open_any_price_list(client, world):
    login(client, world.direct_user)
    assert client.get("/enrollments/prices").status_code == 403


def test_o6_the_invoice_page_cannot_record_a_card_payment_for_an_ospa_invoice(client, world):
    """Finding: the billing invoice page recorded any method, so an OSPA invoice could be
    marked paid by card; company wire transfer or cheque is the only way (O6)."""
    row = enrollment_of(world, world.customer_a)
    invoice = row.invoices[0].invoice
    login(client, world.admin)
    data = {"amount": str(invoice.balance_due), "paid_on": SIGNED.isoformat(),
            "method": "card", "reference": "", "reason": "", "confirm": "yes"}
    response = post_form(client, f"/invoices/{invoice.id}/payments", data,
                         token_url=f"/invoices/{invoice.id}")
    assert response.status_code == 422
    assert "company wire transfer or cheque" in response.get_data(as_text=True)
    assert db.session.scalars(select(Payment)).first() is None
    data["method"] = "cheque"
    accepted = post_form(client, f"/invoices/{invoice.id}/payments", data,
                         token_url=f"/invoices/{invoice.id}")
    assert accepted.status_code == 302
    assert db.session.scalars(select(Payment.method)).all() == ["cheque"]
