"""O6 with B4: an Indirect OSPA partner's invoice is a billing invoice. It takes the next
number of its issuer's gap-free series (the provider's is the one billing runs use), shows
on the same invoice page, CSV and API to the customer, the issuing reseller and the admins
(no one else), never changes, and is paid by recorded payments."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from pypdf import PdfReader
from sqlalchemy import select

from accounts.models import Role
from accounts.services import new_user
from billing.models import ImmutableRecordError, Invoice
from billing.runs import run_billing
from commitments.orders import OrderKind
from commitments.records import services
from commitments.records.models import Enrollment
from persistence import db
from tests.api.factories import bearer
from tests.billing.conftest import price_in, provisioned
from tests.conftest import login
from tests.enrollments.conftest import activate, mainland_enterprise

SIGNED_ON = date(2021, 6, 25)


def enrol(world, customer, amount: str = "100000"):
    customer = mainland_enterprise(customer)  # O1: OSPA's only buyers
    return activate(services.create_enrollment(customer, date(2021, 7, 1)), world.admin,
                    amount=amount, on=SIGNED_ON)


def test_a_direct_customers_ospa_invoice_takes_the_next_number_after_the_billing_run(
        shop, clock, pc_client):
    provisioned(shop.direct, shop.direct_user, price_in(shop, "GB", "GBP", "9.40"), 2,
                pc_client)
    run_billing("2021-06", date(2021, 6, 24))
    ospa = enrol(shop, shop.direct).invoices[0]
    run, = db.session.scalars(select(Invoice).where(Invoice.run_key.is_not(None)))
    assert (run.issuer, run.number) == ("provider", "INV-2021-000001")
    assert (ospa.invoice.issuer, ospa.number) == ("provider", "INV-2021-000002")
    assert (ospa.invoice.buyer_customer_id, ospa.invoice.currency) == (shop.direct.id, "CNY")
    assert (ospa.invoice.subtotal, ospa.invoice.tax, ospa.invoice.total) == (
        Decimal("100000"), Decimal("6000.00"), Decimal("106000.00"))
    assert [(ln.charge_type, ln.amount) for ln in ospa.invoice.lines] == [
        ("commitment", Decimal("100000"))]


def test_a_resellers_ospa_invoices_are_numbered_in_its_own_series_without_gaps(world):
    first = enrol(world, world.customer_a)
    services.place_commitment_order(first, OrderKind.ADDITIONAL, 1,
                                    Decimal("5000"), date(2021, 8, 2), world.admin)
    other = enrol(world, world.customer_b)
    numbers = [(i.issued_by, i.number) for i in first.invoices + other.invoices]
    a, b = f"reseller:{world.reseller_a.id}", f"reseller:{world.reseller_b.id}"
    assert numbers == [(a, "INV-2021-000001"), (a, "INV-2021-000002"),
                       (b, "INV-2021-000001")]


def test_an_ospa_invoice_never_changes(world):
    invoice = enrol(world, world.customer_a).invoices[0].invoice
    invoice.total = Decimal("1.00")
    with pytest.raises(ImmutableRecordError, match="never change"):
        db.session.commit()
    db.session.rollback()


@pytest.fixture
def ospa_invoice(world):
    return enrol(world, world.customer_a).invoices[0].invoice


def _reader(world, who: str):
    if who != "customer_a_user":
        return getattr(world, who), {}
    user = new_user("it@alpha.example", "pw-alpha-2021-long", Role.CUSTOMER_USER,
                    customer=world.customer_a)
    db.session.add(user)
    db.session.commit()
    return user, {"password": "pw-alpha-2021-long"}


@pytest.mark.parametrize(("who", "seen"), [
    ("admin", 200), ("reseller_a_user", 200), ("customer_a_user", 200),
    ("reseller_b_user", 404), ("direct_user", 404)])
def test_the_customer_and_its_reseller_see_the_ospa_invoice_and_no_one_else(
        client, world, ospa_invoice, who, seen):
    user, password = _reader(world, who)
    login(client, user, **password)
    page = client.get(f"/invoices/{ospa_invoice.id}")
    assert page.status_code == seen
    assert client.get(f"/invoices/{ospa_invoice.id}.csv").status_code == seen
    listed = ospa_invoice.number in client.get("/invoices").get_data(as_text=True)
    assert listed == (seen == 200)
    if seen == 200:
        text = page.get_data(as_text=True)
        assert "OSPA commitment (O6)" in text
        assert "Reseller A" in text.split('data-testid="issuer"')[1][:200]


def test_the_admins_list_says_whose_number_it_is_and_whose_customer_bought(
        client, world, ospa_invoice):
    """Each reseller numbers its OSPA invoices in its own series, so the admin's list held
    two "INV-2021-000001"s, and it called the reseller's customer a "direct customer"."""
    login(client, world.admin)
    page = client.get("/invoices").get_data(as_text=True)
    row = re.search(rf'<tr data-invoice="{ospa_invoice.number}">.*?</tr>', page, re.S)[0]
    assert re.search(r'data-testid="issued-by">by Reseller A<', row)
    assert re.search(r'data-testid="buyer-kind">customer of Reseller A<', row)
    assert "direct customer" not in row


@pytest.mark.parametrize(("who", "says"), [("reseller_a_user", "yours, to Alpha GmbH"),
                                           ("customer_a_user", "from Reseller A")])
def test_the_reseller_and_its_customer_see_which_way_the_ospa_invoice_goes(
        client, world, ospa_invoice, who, says):
    """The reseller's list holds the invoices it receives and the OSPA invoices it issues,
    each series starting at INV-…-000001: the ones it issued say to whom."""
    user, password = _reader(world, who)
    login(client, user, **password)
    page = client.get("/invoices").get_data(as_text=True)
    row = re.search(rf'<tr data-invoice="{ospa_invoice.number}">.*?</tr>', page, re.S)[0]
    assert f">{says}</small>" in row


@pytest.mark.parametrize(("who", "seen"), [("reseller_a_user", 200), ("reseller_b_user", 404)])
def test_the_api_shows_the_ospa_invoice_to_its_issuer_only(client, world, ospa_invoice, who,
                                                           seen):
    with time_machine.travel(datetime(2021, 7, 10, 12, tzinfo=UTC), tick=False):
        response = client.get(f"/api/v1/invoices/{ospa_invoice.id}",
                              headers=bearer(getattr(world, who)))
    assert response.status_code == seen
    if seen == 200:
        body = response.get_json()
        assert (body["number"], body["status"], body["balance_due"]) == (
            ospa_invoice.number, "unpaid", "106000.00")  # due 25 July 2021


def test_marking_it_paid_on_the_enrollment_records_a_payment(client, world, ospa_invoice):
    from tests.enrollments.conftest import post_action

    row = db.session.scalar(select(Enrollment))
    with time_machine.travel(datetime(2021, 7, 20, 12, tzinfo=UTC), tick=False):
        login(client, world.admin)
        response = post_action(client, row, "invoices/paid", {
            "invoice_id": row.invoices[0].id, "paid_on": "2021-07-20",
            "payment_method": "cheque"})
    assert response.status_code == 302
    db.session.expire_all()
    assert [(p.amount, p.paid_on) for p in ospa_invoice.payments] == [
        (Decimal("106000.00"), date(2021, 7, 20))]
    assert (ospa_invoice.status_on(date(2021, 7, 20)), row.invoices[0].paid_on) == (
        "paid", date(2021, 7, 20))


def test_o6_the_pdf_of_a_chinese_buyers_invoice_prints_its_name_not_blank_boxes(client, world):
    """OSPA's buyers are enterprises in mainland China: DejaVu has no Chinese glyphs, so
    the buyer's name and address printed as empty boxes (.notdef) before a CJK font."""
    world.customer_a.company_name = "上海云杉科技有限公司"
    world.customer_a.city = "上海市"
    invoice = enrol(world, world.customer_a).invoices[0].invoice
    login(client, world.admin)
    pdf = PdfReader(io.BytesIO(client.get(f"/invoices/{invoice.id}.pdf").data))
    page = pdf.pages[0]
    fonts = {str(font["/BaseFont"]) for font in page["/Resources"]["/Font"].values()}
    assert any("WenQuanYi" in name for name in fonts), fonts
    assert "上海云杉科技有限公司" in page.extract_text()


def test_o8_b4_a_commitment_invoice_credited_in_full_is_never_dunned(world):
    """A commitment invoice its credit note brings to nothing owes nothing: it read as
    unpaid to the O8 dunning (no payment settled it), so the customer was sent payment
    advice and the enrollment suspended for an invoice the partner had cancelled."""
    from billing.invoices import issue_credit_note
    from commitments.due import due_notices
    from commitments.notices import NoticeKind
    from commitments.records import mapping

    row = enrol(world, world.customer_a)
    invoice = row.invoices[0].invoice
    issue_credit_note(invoice, "Commitment order entered twice", date(2021, 7, 1))
    db.session.expire_all()
    facts = mapping.to_facts(row)
    day, sent = date(2021, 7, 1), []
    while day <= date(2021, 10, 1):
        sent += [n.kind for n in due_notices(facts, day, frozenset())]
        day += timedelta(days=1)
    assert not {NoticeKind.COMMITMENT_PAYMENT_ADVICE, NoticeKind.COMMITMENT_PAYMENT_REMINDER,
                NoticeKind.SUSPEND_FOR_UNPAID_COMMITMENT} & set(sent)
    assert invoice.status_on(date(2021, 10, 1)) == "credited"
