"""O7 subscriptions per account; O6 partner invoices, 30-day terms, VAT invoice after payment."""

from datetime import date
from decimal import Decimal

import pytest

from commitments.accounts import (
    MAX_SUBSCRIPTIONS_PER_ACCOUNT,
    Account,
    add_subscription,
    subscription_capacity_problems,
)
from commitments.invoices import (
    Invoice,
    InvoiceKind,
    invoice_for_order,
    invoice_for_overage,
    invoice_problems,
    is_overdue,
    vat_invoice_problems,
)
from commitments.problems import CommitmentRefused


def account_with(count: int) -> Account:
    return Account("engineering", "owner@example.cn", frozenset(f"sub-{i}" for i in range(count)))


def test_accepts_the_199th_subscription_of_an_account():
    assert len(add_subscription(account_with(198), "sub-new").subscription_ids) == 199


def test_refuses_the_200th_subscription_of_an_account():
    with pytest.raises(CommitmentRefused) as refused:
        add_subscription(account_with(199), "sub-new")
    assert refused.value.codes == ("O7.subscription_limit",)
    assert MAX_SUBSCRIPTIONS_PER_ACCOUNT == 199


def test_adding_a_subscription_the_account_already_holds_changes_nothing():
    full = account_with(199)
    assert add_subscription(full, "sub-5") is full


def test_a_batch_that_would_pass_199_is_refused_whole():
    problems = subscription_capacity_problems(account_with(190), adding=10)
    assert [p.code for p in problems] == ["O7.subscription_limit"]
    assert subscription_capacity_problems(account_with(190), adding=9) == []


def test_a_partner_invoice_falls_due_30_days_after_its_date(active, initial_order):
    invoice = invoice_for_order(
        active, initial_order, "INV-1", date(2025, 4, 1), tax_rate=Decimal("0.06")
    )
    assert invoice.issued_by == "partner-1"
    assert invoice.kind is InvoiceKind.COMMITMENT
    assert invoice.due_on == date(2025, 5, 1)
    assert (invoice.tax, invoice.total) == (Decimal("6000.00"), Decimal("106000.00"))


def test_tax_is_rounded_to_fen_half_up(active):
    invoice = invoice_for_overage(
        active, Decimal("0.25"), "INV-2", date(2025, 6, 6), Decimal("0.06")
    )
    assert invoice.tax == Decimal("0.02")  # 0.015 rounds half up
    assert invoice.due_on == date(2025, 7, 6)


def test_refuses_an_invoice_not_issued_by_the_enrollments_partner(active):
    invoice = Invoice(
        "INV-3",
        active.number,
        "21vianet",
        InvoiceKind.OVERAGE,
        date(2025, 6, 6),
        Decimal("10"),
        Decimal("0.06"),
    )
    assert [p.code for p in invoice_problems(active, invoice)] == ["O6.invoice_not_from_partner"]


def test_refuses_an_invoice_for_nothing_or_for_another_enrollment(active):
    invoice = Invoice(
        "INV-4",
        "V5709999",
        "partner-1",
        InvoiceKind.OVERAGE,
        date(2025, 6, 6),
        Decimal("0"),
        Decimal("-0.01"),
    )
    assert [p.code for p in invoice_problems(active, invoice)] == [
        "O6.wrong_enrollment",
        "O6.amount_not_positive",
        "O6.negative_tax_rate",
    ]


def test_an_invoice_is_overdue_only_after_its_due_date_passes_unpaid(active, initial_order):
    invoice = invoice_for_order(active, initial_order, "INV-5", date(2025, 4, 1), Decimal("0.06"))
    assert not is_overdue(invoice, None, date(2025, 5, 1))
    assert is_overdue(invoice, None, date(2025, 5, 2))
    assert not is_overdue(invoice, date(2025, 5, 1), date(2025, 6, 1))
    assert is_overdue(invoice, date(2025, 5, 3), date(2025, 6, 1))


def test_refuses_the_vat_invoice_before_the_customer_has_paid(active, initial_order):
    invoice = invoice_for_order(active, initial_order, "INV-6", date(2025, 4, 1), Decimal("0.06"))
    codes = [p.code for p in vat_invoice_problems(invoice, None, date(2025, 4, 20))]
    assert codes == ["O6.vat_invoice_before_payment"]
    assert vat_invoice_problems(invoice, date(2025, 4, 20), date(2025, 4, 20)) == []
