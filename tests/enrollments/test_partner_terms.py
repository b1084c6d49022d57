"""Seed 000 on the pages: OSPA eligibility (O1), the partner's price list, payment terms,
payment methods and VAT invoice (O6), and price protection with price-change notices."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from billing.models import Payment
from billing.payments import PaymentInput, record_payment
from commitments.orders import OrderKind
from commitments.problems import CommitmentRefused
from commitments.records import price_list, services
from commitments.records.models import Enrollment, SentNotice
from commitments.records.partner_models import OspaPrice, VatInvoice
from notifications.models import OutboxEmail
from persistence import db
from tests.conftest import make_customer, post_form
from tests.enrollments.conftest import SIGNED_ON, START, at, post_action

VM = "Virtual Machines D4s v5 (hours)"


def outbox(to: str) -> list[OutboxEmail]:
    """The price-change emails sent to an address."""
    return list(db.session.scalars(select(OutboxEmail).where(
        OutboxEmail.to == to, OutboxEmail.subject.contains("price change"))))


def test_only_eligible_for_legal_entity_registered_in_mainland_china_on_the_new_page(
    admin_client, world
):
    hk = make_customer(world.reseller_a, "Kowloon Ltd", country="HK", city="Hong Kong",
                       postal_code="", tax_id="91110108MA01ABCD1E")
    db.session.add(hk)
    db.session.commit()
    response = post_form(admin_client, "/admin/enrollments/new",
                         {"customer_id": hk.id, "start": "2025-04-01",
                          "org_id": "admin@kowloon.partner.omschina.cn"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "O1.legal_entity_not_in_mainland_china" in page and "Hong Kong" in page
    assert db.session.scalars(select(Enrollment)).first() is None


def test_only_for_enterprise_customers_the_service_refuses_a_customer_without_its_code(world):
    world.customer_a.country = "CN"  # mainland, but no Unified Social Credit Code
    with pytest.raises(CommitmentRefused) as refused:
        services.create_enrollment(world.customer_a, START)
    assert refused.value.codes == ("O1.enterprise_registration_missing",)
    assert refused.value.problems[0].field == "tax_id"


def test_the_reseller_maintains_its_price_list_and_the_provider_admin_can_see_it(
    client, world
):
    with at(date(2025, 3, 1), client, world.reseller_a_user):
        response = post_form(client, "/enrollments/prices", {
            "meter": VM, "unit_price": "2.40", "effective_from": "2025-03-01"})
        assert response.status_code == 302
        page = client.get("/enrollments/prices").get_data(as_text=True)
    assert VM in page and "RMB 2.40" in page and "in force" in page
    line = db.session.scalars(select(OspaPrice)).one()
    assert line.partner_reseller_id == world.reseller_a.id


def test_the_provider_admin_sees_a_resellers_price_list_read_only(client, world):
    price_list.schedule_price(world.reseller_a.id, VM, Decimal("2.40"), date(2025, 3, 1),
                              date(2025, 3, 1), world.reseller_a_user)
    with at(date(2025, 3, 1), client, world.admin):
        seen = client.get(f"/enrollments/prices?reseller={world.reseller_a.id}")
        own = client.get("/enrollments/prices").get_data(as_text=True)
    assert seen.status_code == 200 and VM in seen.get_data(as_text=True)
    assert "Save price" not in seen.get_data(as_text=True)
    assert "Save price" in own and VM not in own  # the provider's own list, for direct customers


def test_a_backdated_price_is_refused_beside_its_field(client, world):
    with at(date(2025, 3, 1), client, world.reseller_a_user):
        response = post_form(client, "/enrollments/prices", {
            "meter": VM, "unit_price": "2.40", "effective_from": "2025-02-28"})
    assert response.status_code == 422
    assert "O6.price_backdated" in response.get_data(as_text=True)
    assert db.session.scalars(select(OspaPrice)).first() is None


def test_usage_rows_are_priced_from_the_price_list_not_typed(client, world, active):
    with at(date(2025, 6, 1), client, world.admin):
        page = client.get(f"/enrollments/{active.id}").get_data(as_text=True)
        assert 'name="unit_price"' not in page
        response = post_action(client, active, "usage", {
            "used_on": "2025-06-01", "meter": "Compute", "quantity": "10",
            "unit_price": "999"})  # a typed price is ignored
    assert response.status_code == 302
    assert db.session.get(Enrollment, active.id).usage[-1].unit_price == Decimal("1")


def test_usage_of_an_unpriced_meter_is_refused_with_o6_meter_not_priced(client, world, active):
    with at(date(2025, 6, 1), client, world.admin):
        response = post_action(client, active, "usage", {
            "used_on": "2025-06-01", "meter": "Blob Storage", "quantity": "10"})
    assert response.status_code == 422
    assert "O6.meter_not_priced" in response.get_data(as_text=True)
    assert db.session.get(Enrollment, active.id).usage == []


def test_if_azure_prices_go_up_the_customers_pricing_will_not_change(world, active):
    price_list.schedule_price(world.reseller_a.id, "Compute", Decimal("1.50"),
                              date(2025, 9, 1), date(2025, 6, 1), world.reseller_a_user)
    services.record_usage(active, date(2025, 9, 2), "Compute", Decimal("100"),
                          date(2025, 9, 2), world.admin)
    assert active.usage[-1].unit_price == Decimal("1")
    assert price_list.price_for(active, "Compute", date(2027, 1, 1)) == Decimal("1")


def test_if_azure_prices_go_down_the_system_passes_on_the_lower_price(world, active):
    price_list.schedule_price(world.reseller_a.id, "Compute", Decimal("0.80"),
                              date(2025, 9, 1), date(2025, 6, 1), world.reseller_a_user)
    assert price_list.price_for(active, "Compute", date(2025, 8, 31)) == Decimal("1")
    services.record_usage(active, date(2025, 9, 1), "Compute", Decimal("100"),
                          date(2025, 9, 1), world.admin)
    assert active.usage[-1].unit_price == Decimal("0.80")
    [mail] = outbox(world.customer_a.email)
    assert f"Enrollment {active.number} pays RMB 0.80 for usage from that day" in mail.body


def test_we_will_inform_customers_of_upcoming_price_changes_by_emailing_the_contact(
    client, world, active
):
    with at(date(2025, 6, 1), client, world.reseller_a_user):
        response = post_form(client, "/enrollments/prices", {
            "meter": "Compute", "unit_price": "1.20", "effective_from": "2025-07-01"})
    assert response.status_code == 302
    mail = outbox(world.customer_a.email)  # the customer's contact on the enrollment
    assert len(mail) == 1 and active.number in mail[0].subject
    assert "2025-07-01" in mail[0].body and "keeps paying RMB 1.00" in mail[0].body
    assert len(outbox(world.reseller_a_user.email)) == 1
    notice = db.session.scalars(select(SentNotice).where(
        SentNotice.kind == "price_change")).one()
    assert notice.kind == "price_change" and notice.enrollment_id == active.id


def test_a_price_change_effective_today_or_a_first_price_sends_no_notice(world, active):
    today = date(2025, 6, 1)
    price_list.schedule_price(world.reseller_a.id, "Compute", Decimal("0.9"), today, today,
                              world.reseller_a_user)
    price_list.schedule_price(world.reseller_a.id, "SQL", Decimal("3"), today + timedelta(1),
                              today, world.reseller_a_user)
    assert outbox(world.customer_a.email) == []


def test_another_partners_price_change_tells_none_of_this_partners_customers(world, active):
    price_list.schedule_price(world.reseller_b.id, "Compute", Decimal("1"), SIGNED_ON,
                              SIGNED_ON, world.reseller_b_user)
    price_list.schedule_price(world.reseller_b.id, "Compute", Decimal("2"), date(2025, 9, 1),
                              date(2025, 6, 1), world.reseller_b_user)
    assert outbox(world.customer_a.email) == []


def test_the_partner_sets_payment_terms_and_new_invoices_fall_due_after_them(
    client, world, active
):
    with at(date(2025, 5, 1), client, world.reseller_a_user):
        page = client.get(f"/enrollments/{active.id}").get_data(as_text=True)
        assert "Set payment terms" in page and "30 days, set by the partner" in page
        response = post_form(client, f"/enrollments/{active.id}/payment-terms",
                             {"payment_terms_days": "45"}, token_url=f"/enrollments/{active.id}")
    assert response.status_code == 302 and active.payment_terms_days == 45
    services.place_commitment_order(active, OrderKind.ADDITIONAL, 1, Decimal("10000"),
                                    date(2025, 5, 1), world.admin)
    assert active.invoices[-1].due_on == date(2025, 6, 15)
    assert active.invoices[0].due_on == SIGNED_ON + timedelta(days=30)  # the standard


def test_payment_terms_out_of_range_are_refused(client, world, active):
    with at(date(2025, 5, 1), client, world.reseller_a_user):
        response = post_form(client, f"/enrollments/{active.id}/payment-terms",
                             {"payment_terms_days": "400"}, token_url=f"/enrollments/{active.id}")
    assert response.status_code == 422 and active.payment_terms_days == 30


def mark_paid(client, row, invoice, method: str):
    return post_action(client, row, "invoices/paid", {
        "invoice_id": invoice.id, "paid_on": "2025-04-10", "payment_method": method})


def test_company_wire_transfer_or_cheque_is_recorded_with_each_payment(client, world, active):
    invoice = active.invoices[0]
    with at(date(2025, 4, 10), client, world.admin):
        assert mark_paid(client, active, invoice, "card").status_code == 422
        assert invoice.invoice.payments == []
        assert mark_paid(client, active, invoice, "cheque").status_code == 302
        page = client.get(f"/enrollments/{active.id}").get_data(as_text=True)
    payment = db.session.scalars(select(Payment)).one()
    assert payment.method == "cheque" and "Cheque" in page


def record_vat(client, row, invoice, number="12345678", on="2025-04-11"):
    return post_form(client, f"/enrollments/{row.id}/vat-invoices", {
        "vat_invoice_id": invoice.id, "vat_number": number, "vat_issued_on": on},
        token_url=f"/enrollments/{row.id}")


def test_partner_will_issue_vat_invoice_to_customer_once_payment_is_completed(
    client, world, active
):
    invoice = active.invoices[0]
    with at(date(2025, 4, 11), client, world.reseller_a_user):
        early = record_vat(client, active, invoice)
        assert early.status_code == 422
        assert "O6.vat_invoice_before_payment" in early.get_data(as_text=True)
    # The customer paid the partner in full by wire transfer (O6).
    record_payment(invoice.invoice, PaymentInput(str(invoice.invoice.balance_due),
                                                 date(2025, 4, 10), "wire_transfer"),
                   date(2025, 4, 10), world.admin.id)
    with at(date(2025, 4, 11)):
        assert record_vat(client, active, invoice, "0441 2345 6789").status_code == 302
        again = record_vat(client, active, invoice)
        page = client.get(f"/enrollments/{active.id}").get_data(as_text=True)
    assert again.status_code == 422
    vat = db.session.scalars(select(VatInvoice)).one()
    assert vat.number == "044123456789" and vat.issued_on == date(2025, 4, 11)
    assert "044123456789" in page


@pytest.mark.parametrize(("typed", "says"), [
    ("sNaN", "is not a number"), ("Infinity", "is not a number"),
    ("2,40", "use a dot for decimals: 2.40")])
def test_an_amount_that_is_no_number_is_named_with_how_to_write_it_not_a_500(
        client, world, typed, says):
    with at(date(2025, 3, 1), client, world.reseller_a_user):
        response = post_form(client, "/enrollments/prices", {
            "meter": VM, "unit_price": typed, "effective_from": "2025-03-01"})
    assert response.status_code == 422
    assert says in response.get_data(as_text=True)
    assert db.session.scalars(select(OspaPrice)).first() is None
