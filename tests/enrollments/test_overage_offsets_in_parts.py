"""O3, B4: a month's overage offset in equal parts on different days credits each part on
its own credit note, and a credit billing refuses for an offset is an enrollment refusal
shown beside the amount, with its B4 code (never billing's own page or a 500).

June's invoice is RMB 20,000.00 + 6% VAT = 21,200.00."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from commitments.problems import CommitmentRefused
from commitments.records import invoicing, overage
from tests.enrollments.test_overage_offsets import JUNE, offset, order, overage_invoice

JULY_10, JULY_11 = date(2025, 7, 10), date(2025, 7, 11)


def test_o3_two_equal_offsets_of_one_month_on_different_days_each_credit_their_part(
        client, world, invoiced):
    placed = order(invoiced, world, "15000")
    assert offset(client, world, invoiced, placed.id, "5000", day=JULY_10).status_code == 302
    second = offset(client, world, invoiced, placed.id, "5000", day=JULY_11)
    assert second.status_code == 302, second.get_data(as_text=True)
    invoice = overage_invoice(invoiced)
    assert [(n.issue_date, n.subtotal, n.total) for n in invoice.credit_notes] == [
        (JULY_10, Decimal("-5000.00"), Decimal("-5300.00")),
        (JULY_11, Decimal("-5000.00"), Decimal("-5300.00"))]
    assert invoice.balance_due == Decimal("10600.00")  # 10,000 and its 6% VAT


def test_b4_a_credit_billing_refuses_for_an_offset_is_refused_beside_the_offset_amount(
        world, invoiced):
    placed = order(invoiced, world, "30000")
    overage.offset_overage(invoiced, JUNE, placed.id, Decimal("15000"), JULY_10, world.admin)
    link = next(i for i in invoiced.invoices if i.kind == "overage")
    with pytest.raises(CommitmentRefused) as refused:  # 6,000 of the 5,000 left
        invoicing.credit(link, Decimal("6000"), "Offset by an order", JULY_11)
    [problem] = refused.value.problems
    assert (problem.rule, problem.code, problem.field) == ("B4", "B4.credit_exceeds_line",
                                                           "amount")
    assert "CN¥5,000.00 (net of tax) left" in problem.message  # as the invoice writes it
    assert len(overage_invoice(invoiced).credit_notes) == 1
