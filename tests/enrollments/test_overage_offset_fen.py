"""O3, O8, B5: offsetting all that is left of a month's overage after payments of part takes
what the page asked for, net of tax and with VAT, and the invoice reads paid to the fen.

June's invoice is RMB 20,000.00 + 6% VAT = 21,200.00. A payment such as 10,000.13 is no
net amount plus its VAT rounded (9,434.08 makes 10,000.12 and 9,434.09 makes 10,000.14);
"offset as much as can be" credited 10,565.91 of the 10,565.92 the page asked for, its
credit note 11,199.86, and the fen left was dunned for (commitments.invoice_balance; the
property: tests/commitments/test_commitments_fen.py).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from billing.payments import PaymentInput, record_payment
from tests.enrollments.test_overage_offsets import (
    cell,
    offset,
    order,
    overage_invoice,
    page_of,
    pay_part,
)
from tests.enrollments.test_payments_and_customers import run_days


def test_o8_offsetting_all_left_after_a_payment_the_vat_cannot_split_takes_what_the_page_asked(
        client, world, invoiced):
    pay_part(invoiced, world, "10000.13")
    number = overage_invoice(invoiced).number
    assert cell(page_of(client, world, invoiced), "overage-dunning").startswith(
        f"RMB 10,565.92 of the 2025-06 overage (RMB 11,199.87 with VAT on {number}) is unpaid")
    placed = order(invoiced, world, "30000")
    assert offset(client, world, invoiced, placed.id).status_code == 302
    invoice = overage_invoice(invoiced)
    assert [(n.subtotal, n.tax, n.total) for n in invoice.credit_notes] == [
        (Decimal("-10565.92"), Decimal("-633.95"), Decimal("-11199.87"))]
    assert (invoice.balance_due, invoice.status_on(date(2025, 7, 10))) == (0, "paid")
    assert run_days(date(2025, 7, 10), date(2025, 9, 30)) == []  # no advice, no suspension
    assert cell(page_of(client, world, invoiced), "overage-due-1") == (
        "RMB 20,000.00 overage, all paid or offset")


def test_o8_an_offset_of_part_lowers_what_is_due_by_that_part_and_the_rest_clears_it(
        client, world, invoiced):
    """10,000.30 paid leaves 10,565.76 net (11,199.70 with VAT); a small order offsets
    5,000.00 of it, leaving 5,565.76 (5,899.70 with VAT), which a second order offsets."""
    pay_part(invoiced, world, "10000.30")
    small = order(invoiced, world, "5000")
    assert offset(client, world, invoiced, small.id).status_code == 302
    number = overage_invoice(invoiced).number
    assert cell(page_of(client, world, invoiced), "settled-2025-06") == (
        "Partly offset and paid: RMB 5,000.00 offset, RMB 9,434.24 paid of RMB 20,000.00; "
        f"RMB 5,565.76 still due (RMB 5,899.70 with VAT on {number})")
    placed = order(invoiced, world, "30000")
    assert offset(client, world, invoiced, placed.id).status_code == 302
    invoice = overage_invoice(invoiced)
    assert [(n.subtotal, n.total) for n in invoice.credit_notes] == [
        (Decimal("-5000.00"), Decimal("-5300.00")), (Decimal("-5565.76"), Decimal("-5899.70"))]
    assert invoice.balance_due == 0
    assert run_days(date(2025, 7, 10), date(2025, 9, 30)) == []


def test_o8_after_a_reversal_the_fen_left_with_vat_is_asked_net_too_and_an_offset_clears_it(
        client, world, invoiced):
    """10,000.13 paid, the rest offset (11,199.87), then the payment reversed and 10,000.12
    paid instead: a fen is owed with VAT. 10,000.12 pays for as much net as 10,000.13 did
    (9,434.08), so the page once said nothing was left net of tax, no offset of it could be
    made, and the fen was dunned; now it asks for the fen, and the offset of it clears it."""
    pay_part(invoiced, world, "10000.13")
    placed = order(invoiced, world, "30000")
    assert offset(client, world, invoiced, placed.id).status_code == 302
    day = date(2025, 7, 10)
    record_payment(overage_invoice(invoiced), PaymentInput(
        amount="-10000.13", paid_on=day, method="wire_transfer", reference="part of June",
        reason="the wire was returned"), day, world.admin.id)
    pay_part(invoiced, world, "10000.12", on=day)
    number, page = overage_invoice(invoiced).number, page_of(client, world, invoiced)
    assert cell(page, "settled-2025-06") == (
        "Partly offset and paid: RMB 10,565.92 offset, RMB 9,434.07 paid of RMB 20,000.00; "
        f"RMB 0.01 still due (RMB 0.01 with VAT on {number})")
    assert cell(page, "overage-dunning").startswith(
        f"RMB 0.01 of the 2025-06 overage (RMB 0.01 with VAT on {number}) is unpaid")
    assert offset(client, world, invoiced, placed.id, day=date(2025, 7, 11)).status_code == 302
    invoice = overage_invoice(invoiced)
    assert [(n.subtotal, n.total) for n in invoice.credit_notes][1:] == [
        (Decimal("-0.01"), Decimal("-0.01"))]  # what the page asked, net and with VAT
    assert (invoice.balance_due, invoice.status_on(date(2025, 7, 11))) == (0, "paid")
    assert run_days(date(2025, 7, 11), date(2025, 9, 30)) == []  # no advice, no suspension
    assert cell(page_of(client, world, invoiced, date(2025, 7, 11)), "overage-due-1") == (
        "RMB 20,000.00 overage, all paid or offset")

