"""B4: a credit note reverses lines of an issued invoice, each line at most once, and the
credit notes of an invoice never take off more than it invoiced."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from billing.invoices import CreditNoteRefused, add_credit_note, issue_credit_note
from billing.models import Invoice
from billing.runs import run_billing
from persistence import db
from subscriptions import services
from tests.billing.conftest import price_in, provisioned

JUNE_END = date(2021, 6, 30)
CORRECTED_ON = date(2021, 7, 2)


def june_invoice(shop, pc_client, *seats: int) -> Invoice:
    """Reseller A's June invoice: one subscription of EUR 10.08 per seat count."""
    eur = price_in(shop, "DE", "EUR", "10.08")
    for quantity in seats:
        provisioned(shop.customer_a, shop.reseller_a_user, eur, quantity, pc_client)
    run_billing("2021-06", JUNE_END)
    return db.session.scalar(select(Invoice).where(Invoice.kind == "invoice"))


def credit_notes() -> list[Invoice]:
    return list(db.session.scalars(select(Invoice).where(Invoice.kind == "credit_note")
                                   .order_by(Invoice.id)))


def test_b4_an_invoice_credited_in_full_cannot_be_credited_again(shop, clock, pc_client):
    invoice = june_invoice(shop, pc_client, 10)
    first = issue_credit_note(invoice, "Wrong seat count", CORRECTED_ON)
    with pytest.raises(CreditNoteRefused) as refused:
        issue_credit_note(invoice, "Wrong seat count", CORRECTED_ON)
    assert refused.value.codes == ("B4.line_already_credited",)
    assert credit_notes() == [first]
    assert invoice.amount_credited == invoice.total == Decimal("119.95")  # 100.80 + 19 %


def test_b4_a_refused_credit_note_takes_no_number(shop, clock, pc_client):
    invoice = june_invoice(shop, pc_client, 10, 3)
    one, two = invoice.lines
    issue_credit_note(invoice, "Wrong seat count", CORRECTED_ON, [one.id])
    with pytest.raises(CreditNoteRefused):
        issue_credit_note(invoice, "Wrong seat count", CORRECTED_ON, [one.id])
    second = issue_credit_note(invoice, "Wrong price", CORRECTED_ON, [two.id])
    assert [n.number for n in credit_notes()] == ["CN-2021-000001", "CN-2021-000002"]
    assert [ln.amount for ln in second.lines] == [-two.amount]


def test_b4_only_the_lines_not_yet_credited_may_be_credited(shop, clock, pc_client):
    invoice = june_invoice(shop, pc_client, 10, 3)
    one, two = invoice.lines
    issue_credit_note(invoice, "Wrong seat count", CORRECTED_ON, [one.id])
    with pytest.raises(CreditNoteRefused) as refused:
        issue_credit_note(invoice, "Everything again", CORRECTED_ON)  # both lines
    assert refused.value.codes == ("B4.line_already_credited",)
    assert f"Line {one.position} " in refused.value.problems[0].message
    assert len(credit_notes()) == 1
    assert invoice.amount_credited < invoice.total


def test_b4_a_credit_beyond_what_the_invoice_invoiced_is_refused(shop, clock, agent, pc_client):
    # Bought 18 June, cancelled 20 June: June's invoice nets the charge and its credit
    # (100.80 − 94.08); crediting the charge alone would give back money never paid.
    sub = provisioned(shop.customer_a, agent, price_in(shop, "DE", "EUR", "10.08"), 10,
                      pc_client)
    clock.move_to(datetime(2021, 6, 20, 10, tzinfo=UTC))
    services.cancel(sub, agent, pc_client)
    run_billing("2021-06", JUNE_END)
    invoice = db.session.scalar(select(Invoice).where(Invoice.kind == "invoice"))
    charge = next(ln for ln in invoice.lines if ln.amount > 0)
    with pytest.raises(CreditNoteRefused) as refused:
        issue_credit_note(invoice, "Goodwill", CORRECTED_ON, [charge.id])
    assert refused.value.codes == ("B4.credit_exceeds_invoice",)
    # In the invoice's own money: a German customer's invoice writes 100,80 €.
    assert str(refused.value) == ("Credit notes would take 100,80\xa0€ (net of tax) off an "
                                  "invoice of 6,72\xa0€; credit at most what it invoiced.")
    assert credit_notes() == []


def test_b4_part_of_a_line_is_credited_and_later_parts_never_beyond_the_line(
    shop, clock, pc_client
):
    """An OSPA overage offset (O3) credits part of its invoice's line: a credit note for that
    amount with its tax; parts add up to the line at most."""
    invoice = june_invoice(shop, pc_client, 10)
    (line,) = invoice.lines
    part = add_credit_note(invoice, "Offset by an order", CORRECTED_ON, amount=Decimal("60.00"))
    db.session.commit()
    assert [(ln.quantity, ln.amount) for ln in part.lines] == [(-1, Decimal("-60.00"))]
    assert (part.subtotal, part.tax) == (Decimal("-60.00"), Decimal("-11.40"))
    with pytest.raises(CreditNoteRefused) as refused:
        add_credit_note(invoice, "Offset by an order", CORRECTED_ON,
                        amount=line.amount - Decimal("59.99"))
    assert refused.value.codes == ("B4.credit_exceeds_line",)
    rest = add_credit_note(invoice, "Offset by an order", CORRECTED_ON,
                           amount=line.amount - Decimal("60.00"))
    db.session.commit()
    assert rest.subtotal == -(line.amount - Decimal("60.00"))
    assert [n.number for n in credit_notes()] == ["CN-2021-000001", "CN-2021-000002"]


def test_b5_an_invoice_credited_line_by_line_credits_exactly_its_tax(shop, clock, pc_client):
    # Two lines of 10.08: the invoice's tax is 19 % of 20.16 = 3.8304 → 3.83; each line's
    # alone is 1.9152 → 1.92, so two notes rounded on their own would credit 3.84.
    invoice = june_invoice(shop, pc_client, 1, 1)
    assert (invoice.subtotal, invoice.tax) == (Decimal("20.16"), Decimal("3.83"))
    for line in reversed(invoice.lines):  # the order does not matter
        issue_credit_note(invoice, "Wrong seat count", CORRECTED_ON, [line.id])
    notes = credit_notes()
    assert [n.tax for n in notes] == [Decimal("-1.91"), Decimal("-1.92")]
    assert -sum(n.tax for n in notes) == invoice.tax
    assert invoice.amount_credited == invoice.total == Decimal("23.99")
    assert invoice.balance_due == 0


def test_b4_a_line_is_credited_in_equal_parts_on_different_days_up_to_what_it_invoiced(
    shop, clock, pc_client
):
    """Two OSPA offsets of the same amount in one month credit two equal parts of its
    overage line (O3): each its own credit note, and no part beyond what the line invoiced."""
    invoice = june_invoice(shop, pc_client, 10)  # 100.80 net, 119.95 with 19 % VAT
    (line,) = invoice.lines
    for day in (CORRECTED_ON, CORRECTED_ON + timedelta(days=1)):
        add_credit_note(invoice, "Offset by an order", day, amount=Decimal("40.00"))
        db.session.commit()
    assert [n.subtotal for n in credit_notes()] == [Decimal("-40.00"), Decimal("-40.00")]
    with pytest.raises(CreditNoteRefused) as refused:
        add_credit_note(invoice, "Offset by an order", CORRECTED_ON, amount=Decimal("40.00"))
    assert refused.value.codes == ("B4.credit_exceeds_line",)
    assert "20,80\xa0€ (net of tax) left" in str(refused.value)
    add_credit_note(invoice, "Offset by an order", CORRECTED_ON, amount=Decimal("20.80"))
    db.session.commit()
    assert invoice.amount_credited == invoice.total and invoice.balance_due == 0
    with pytest.raises(CreditNoteRefused) as refused:
        issue_credit_note(invoice, "Wrong seat count", CORRECTED_ON)  # the whole line again
    assert refused.value.codes == ("B4.credit_exceeds_line",)
    assert len(credit_notes()) == 3
