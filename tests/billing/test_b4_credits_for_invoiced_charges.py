"""B3/B4: a credit for what an issued invoice already charged (a cancellation inside its
window, licences removed within their 7 days, perpetual software returned) reaches the buyer
as a credit note naming that invoice, whose balance due falls by it; never as a negative
"invoice" counted as paid.

The audit's scene: a direct customer in Germany buys 3 × Microsoft 365 Business Standard
(1-year term billed monthly, 11.50 € each) on 1 December 2026; December is billed that day
(34,50 € + 19 % VAT = 41,06 €); the customer cancels within 24 hours (a full refund).
Bought through the real pipeline against the Partner Center sandbox; nothing of ours is
patched.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from accounts.models import Role
from accounts.services import new_user
from billing.models import Invoice
from billing.runs import run_billing
from persistence import db
from subscriptions import services
from tests.api.factories import bearer
from tests.billing.conftest import perpetual_price, price_in, provisioned
from tests.conftest import PASSWORD, csrf_token, login, make_customer
from tests.subscriptions.conftest import confirm_cancel

BOUGHT = datetime(2026, 12, 1, 9, tzinfo=UTC)
DECEMBER_BILLED = date(2026, 12, 1)


@pytest.fixture
def buyer(shop):
    """A direct customer in Germany and its admin agent (S4)."""
    customer = make_customer(None, "Direkt GmbH", country="DE")
    user = new_user("direkt@test.example", PASSWORD, Role.CUSTOMER_USER, customer=customer)
    user.admin_agent = True
    db.session.add_all([customer, user])
    db.session.commit()
    return user


def buy(shop, buyer, pc_client, quantity: int = 3, erp: str = "11.50"):
    return provisioned(buyer.customer, buyer, price_in(shop, "DE", "EUR", erp, term="P1Y"),
                       quantity, pc_client)


def documents() -> list[Invoice]:
    db.session.expire_all()
    return list(db.session.scalars(select(Invoice).order_by(Invoice.id)))


def cancel_on_the_page(client, buyer, sub) -> tuple[str, str]:
    """Cancel as the buyer does; the refund the page promised and the flash that followed."""
    login(client, buyer)
    page = client.get(f"/subscriptions/{sub.id}/cancel").get_data(as_text=True)
    promised = re.search(r"Cancelling now refunds (.*?) \(the unused", page)[1]
    response = confirm_cancel(client, sub.id, page)
    assert response.status_code == 302
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    return re.sub(r"<[^>]+>", "", promised), re.search(r"Cancelled\. Refund: ([^<]*)\.", shown)[1]


@pytest.fixture
def cancelled(client, shop, clock, buyer, pc_client):
    """The audit's scene up to the cancellation: December invoiced, then cancelled."""
    clock.move_to(BOUGHT)
    sub = buy(shop, buyer, pc_client)
    run_billing("2026-12", DECEMBER_BILLED)
    clock.move_to(datetime(2026, 12, 1, 15, tzinfo=UTC))
    return sub, cancel_on_the_page(client, buyer, sub)


def test_b4_a_cancellation_of_an_invoiced_month_is_a_credit_note_naming_its_invoice(
        shop, clock, cancelled):
    run_billing("2026-12", date(2027, 1, 1))  # December again: its cancellation is charged
    run_billing("2027-01", date(2027, 2, 1))
    invoice, note = documents()
    assert (invoice.kind, invoice.number, invoice.total) == (
        "invoice", "INV-2026-000001", Decimal("41.06"))
    assert (note.kind, note.number, note.corrects_invoice_id) == (
        "credit_note", "CN-2027-000001", invoice.id)
    assert (note.subtotal, note.tax, note.total) == (
        Decimal("-34.50"), Decimal("-6.56"), Decimal("-41.06"))
    assert [(ln.charge_type, ln.quantity, ln.amount) for ln in note.lines] == [
        ("cancelImmediate", -3, Decimal("-34.50"))]
    assert invoice.number in note.note


def test_b4_a_fully_credited_invoice_owes_nothing_and_never_turns_overdue(
        shop, clock, cancelled):
    run_billing("2026-12", date(2027, 1, 1))
    [invoice, _note] = documents()
    assert (invoice.amount_credited, invoice.balance_due) == (Decimal("41.06"), Decimal(0))
    assert invoice.status_on(date(2027, 6, 1)) not in ("unpaid", "overdue")


def test_b4_no_document_with_a_negative_total_is_an_invoice_marked_paid(shop, clock,
                                                                        cancelled):
    run_billing("2026-12", date(2027, 1, 1))
    run_billing("2027-01", date(2027, 2, 1))
    run_billing("2027-02", date(2027, 3, 1))
    assert [(d.kind, d.total) for d in documents() if d.total < 0] == [
        ("credit_note", Decimal("-41.06"))]


def test_b4_billing_runs_repeated_credit_a_cancellation_once_and_number_without_gaps(
        shop, clock, cancelled):
    for month, day in (("2026-12", date(2027, 1, 1)), ("2026-12", date(2027, 1, 2)),
                       ("2027-01", date(2027, 2, 1)), ("2027-01", date(2027, 2, 1))):
        run_billing(month, day)
    assert [d.number for d in documents()] == ["INV-2026-000001", "CN-2027-000001"]


def test_b5_the_page_and_the_flash_state_the_refund_as_the_credit_note_credits_it(
        shop, clock, cancelled):
    _sub, (promised, flashed) = cancelled
    run_billing("2026-12", date(2027, 1, 1))
    assert promised == flashed == "34,50\xa0€ excl. VAT (41,06\xa0€ with 19 % VAT)"
    assert documents()[1].total == Decimal("-41.06")


def test_b4_the_buyer_reads_the_credit_note_and_the_settled_invoice_everywhere(
        client, shop, clock, buyer, cancelled):
    run_billing("2026-12", date(2027, 1, 1))
    invoice, note = documents()
    listed = client.get("/api/v1/invoices", headers=bearer(buyer)).get_json()["items"]
    assert sorted((i["number"], i["kind"], i["total"], i["corrects_invoice_id"],
                   i["balance_due"]) for i in listed) == [
        ("CN-2027-000001", "credit_note", "-41.06", invoice.id, "0.00"),
        ("INV-2026-000001", "invoice", "41.06", None, "0.00")]
    shown = client.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    assert "Corrected by" in shown and note.number in shown
    assert re.search(r'data-testid="balance-due"><strong>0,00\xa0€', shown)
    rows = client.get(f"/invoices/{invoice.id}.csv").get_data(as_text=True).splitlines()
    assert rows[1].endswith(",0.00,0.00") and ",unpaid," not in rows[1]


def test_b4_a_fully_credited_unpaid_invoice_reads_credited_by_its_note_everywhere(
        client, shop, clock, buyer, cancelled):
    # Was "Paid" on the page, the list, the CSV and the API, though nobody paid anything.
    run_billing("2026-12", date(2027, 1, 1))
    invoice, note = documents()
    clock.move_to(datetime(2027, 3, 1, 9, tzinfo=UTC))  # past its due date: never overdue
    login(client, buyer)
    shown = client.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    status = re.search(r'data-testid="status">(.*?)</dd>', shown, re.S)[1]
    assert re.sub(r"<[^>]+>", "", status) == f"Credited by credit note {note.number}"
    listing = client.get("/invoices?status=credited").get_data(as_text=True)
    assert invoice.number in listing and 'data-status="credited">Credited<' in listing
    for status in ("paid", "overdue", "unpaid"):
        assert invoice.number not in client.get(f"/invoices?status={status}").get_data(
            as_text=True)
    rows = client.get(f"/invoices/{invoice.id}.csv").get_data(as_text=True).splitlines()
    assert rows[1].endswith(",credited,0.00,0.00")
    one = client.get(f"/api/v1/invoices/{invoice.id}", headers=bearer(buyer)).get_json()
    assert (one["status"], one["amount_paid"], one["balance_due"]) == (
        "credited", "0.00", "0.00")
    listed = client.get("/api/v1/invoices?status=credited", headers=bearer(buyer)).get_json()
    assert [i["number"] for i in listed["items"]] == [invoice.number]


def test_b4_a_billing_run_counts_the_credit_notes_it_issues_beside_its_invoices(
        client, shop, clock, cancelled):
    # Was: the run and its page said "1 new charge, 0 invoices issued" for a run that issued
    # a credit note, as if it had done nothing for the buyer.
    run = run_billing("2026-12", date(2027, 1, 1))
    again = run_billing("2026-12", date(2027, 1, 2))
    assert (run.invoices_issued, run.credit_notes_issued) == (0, 1)
    assert (again.invoices_issued, again.credit_notes_issued) == (0, 0)
    assert run.outcome == "Billed 2026-12: 1 new charge, 0 invoices and 1 credit note issued."
    assert again.outcome == "Billed 2026-12: 0 new charges, 0 invoices issued."
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})  # the buyer
    login(client, shop.admin)
    page = client.get("/admin/billing").get_data(as_text=True)
    assert "<th>Invoices issued</th><th>Credit notes issued</th>" in page
    rows = re.findall(r'<tr data-run="\d+">(.*?)</tr>', page, re.S)
    # newest first: new charges, invoices, credit notes (the first run issued the invoice)
    cells = [re.findall(r"<td>([^<]*)</td>", row)[3:6] for row in rows]
    assert cells == [["0", "0", "0"], ["1", "0", "1"], ["1", "1", "0"]]


def test_b4_a_credit_after_its_month_was_billed_early_is_credited_by_the_next_run(
        shop, clock, cancelled):
    # Was: December, billed on 1 December, never charged that afternoon's cancellation
    # unless December was billed again; January's run charged January's events only.
    run = run_billing("2027-01", date(2027, 2, 1))
    invoice, note = documents()
    assert (note.kind, note.corrects_invoice_id, note.total) == (
        "credit_note", invoice.id, Decimal("-41.06"))
    assert [(ln.charge_type, ln.period_start) for ln in note.lines] == [
        ("cancelImmediate", date(2026, 12, 1))]
    assert (run.charges_added, run.credit_notes_issued, invoice.balance_due) == (1, 1, 0)
    assert run_billing("2027-02", date(2027, 3, 1)).charges_added == 0  # charged once


def test_b1_a_purchase_after_its_month_was_billed_early_is_on_the_next_runs_invoice(
        shop, clock, buyer, pc_client):
    clock.move_to(BOUGHT)
    buy(shop, buyer, pc_client)
    december = run_billing("2026-12", DECEMBER_BILLED)
    assert december.outcome.endswith(
        "What happens in 2026-12 from 2026-12-01 on is charged by the next run.")
    clock.move_to(datetime(2026, 12, 15, 9, tzinfo=UTC))
    later = buy(shop, buyer, pc_client, quantity=1)
    run_billing("2027-01", date(2027, 2, 1))
    _december, january = documents()
    assert [(ln.subscription_id, ln.charge_type, ln.period_start) for ln in january.lines
            if ln.subscription_id == later.id] == [
        (later.id, "new", date(2026, 12, 15)), (later.id, "cycleCharge", date(2027, 1, 15))]


def test_b4_a_month_with_new_charges_and_a_credit_for_an_earlier_invoice_issues_both(
        client, shop, clock, buyer, pc_client):
    clock.move_to(datetime(2026, 12, 30, 9, tzinfo=UTC))
    held = buy(shop, buyer, pc_client)
    run_billing("2026-12", date(2026, 12, 31))
    clock.move_to(datetime(2027, 1, 2, 9, tzinfo=UTC))  # 48 h in: prorated (S3)
    promised, _ = cancel_on_the_page(client, buyer, held)
    buy(shop, buyer, pc_client, quantity=1)
    run_billing("2027-01", date(2027, 2, 1))
    december, note, january = documents()
    assert (note.kind, note.corrects_invoice_id) == ("credit_note", december.id)
    # 30 Dec – 29 Jan is 31 days; 2 – 29 Jan, 28 of them: 11.50 × 28 / 31 × 3 = 31.16
    assert [ln.amount for ln in note.lines] == [Decimal("-31.16")]
    # the tax comes off the invoice's: 6.56 − 19 % of the 3.34 left (0.63) = 5.93
    assert promised == "31,16\xa0€ excl. VAT (37,09\xa0€ with 19 % VAT)"
    assert note.total == Decimal("-37.09")
    assert (january.kind, [ln.charge_type for ln in january.lines], january.total) == (
        "invoice", ["new"], Decimal("13.69"))  # 11.50 + 19 % VAT
    assert december.balance_due == Decimal("41.06") - Decimal("37.09")


def test_b5_the_refund_promised_with_tax_is_the_credit_notes_to_the_cent(
        client, shop, clock, buyer, pc_client):
    # The invoice's tax is rounded once on its sum (19 % of 100.02 = 19.0038 → 19.00) and a
    # note takes it down to the tax of what stays (19 % of 65.52 = 12.4488 → 12.45): 6.55,
    # not 19 % of 34.50 rounded alone (6.56). The page promises what the note will say.
    clock.move_to(BOUGHT)
    sub = buy(shop, buyer, pc_client)
    provisioned(buyer.customer, buyer, price_in(shop, "DE", "EUR", "65.52", term="P1Y",
                                                cycle="annual"), 1, pc_client)
    run_billing("2026-12", DECEMBER_BILLED)
    clock.move_to(datetime(2026, 12, 1, 15, tzinfo=UTC))
    promised, flashed = cancel_on_the_page(client, buyer, sub)
    run_billing("2026-12", date(2027, 1, 1))
    invoice, note = documents()
    assert (invoice.subtotal, invoice.tax) == (Decimal("100.02"), Decimal("19.00"))
    assert promised == flashed == "34,50\xa0€ excl. VAT (41,05\xa0€ with 19 % VAT)"
    assert (note.tax, note.total) == (Decimal("-6.55"), Decimal("-41.05"))


def test_b3_licences_removed_from_an_invoiced_cycle_are_a_credit_note(
        shop, clock, buyer, pc_client):
    clock.move_to(BOUGHT)
    sub = buy(shop, buyer, pc_client)
    run_billing("2026-12", DECEMBER_BILLED)
    clock.move_to(datetime(2026, 12, 3, 9, tzinfo=UTC))
    services.change_quantity(sub, 1, buyer, pc_client)
    run_billing("2026-12", date(2027, 1, 1))
    invoice, note = documents()
    assert (note.kind, note.corrects_invoice_id) == ("credit_note", invoice.id)
    # Microsoft's pair, 3 – 31 Dec (29 of 31 days): 3 seats refunded, 1 charged
    assert [(ln.charge_type, ln.quantity, ln.amount) for ln in note.lines] == [
        ("removeQuantity", -3, Decimal("-32.27")), ("removeQuantity", 1, Decimal("10.75"))]
    assert note.total < 0 and invoice.balance_due == invoice.total + note.total


def test_b3_perpetual_software_returned_after_its_invoice_is_credited_by_a_credit_note(
        shop, clock, buyer, pc_client):
    clock.move_to(BOUGHT)
    sub = provisioned(buyer.customer, buyer, perpetual_price(), 1, pc_client)
    run_billing("2026-12", DECEMBER_BILLED)
    clock.move_to(datetime(2026, 12, 20, 9, tzinfo=UTC))
    services.cancel(sub, buyer, pc_client)
    run_billing("2026-12", date(2027, 1, 1))
    invoice, note = documents()
    assert (note.kind, note.corrects_invoice_id, note.total) == (
        "credit_note", invoice.id, -invoice.total)
    assert invoice.balance_due == 0


def test_b5_the_api_answers_the_refund_net_and_with_the_tax_the_credit_note_credits(
        client, shop, clock, buyer, pc_client):
    clock.move_to(BOUGHT)
    sub = buy(shop, buyer, pc_client)
    run_billing("2026-12", DECEMBER_BILLED)
    clock.move_to(datetime(2026, 12, 1, 15, tzinfo=UTC))
    response = client.post(f"/api/v1/subscriptions/{sub.id}/cancel", headers=bearer(buyer))
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert (body["refund"], body["refund_tax"], body["refund_total"], body["currency"]) == (
        "34.50", "6.56", "41.06", "EUR")
    run_billing("2026-12", date(2027, 1, 1))
    assert documents()[1].total == -Decimal(body["refund_total"])
