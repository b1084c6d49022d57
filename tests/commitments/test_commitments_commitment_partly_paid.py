"""O8, B5: a monetary-commitment invoice paid or credited in part is advised, reminded and
suspended for what is left, to the fen, as a month's overage is
(test_commitments_overage_partly_paid).

What is left is read from the invoice on the notice's day: its balance with VAT (total less
payments and credit notes), and net of tax what it still bills net less what the payments
paid for, rounded once on their sum (commitments.invoice_balance).
"""

from datetime import date, timedelta
from decimal import Decimal

from commitments.due import due_notices
from commitments.notices import CommitmentInvoiceFacts, EnrollmentFacts, InvoiceFacts, NoticeKind

K = NoticeKind
ISSUED = date(2025, 3, 20)
INVOICE_DUE = date(2025, 4, 19)  # 30 days' payment term: advice 20 April, due 20 May
ADVICE_KINDS = {K.COMMITMENT_PAYMENT_ADVICE, K.COMMITMENT_PAYMENT_REMINDER,
                K.SUSPEND_FOR_UNPAID_COMMITMENT}


def invoice(*taken: tuple[date, str], number: str = "INV-1", net: str = "100000.00",
            credited: tuple = ()) -> CommitmentInvoiceFacts:
    """RMB `net` excluding tax with 6% VAT; `taken`: payments, with VAT; `credited`: credit
    notes (day, net, with VAT)."""
    subtotal = Decimal(net)
    billed = InvoiceFacts(number, INVOICE_DUE, subtotal, subtotal * Decimal("1.06"),
                          tuple((day, Decimal(amount)) for day, amount in taken),
                          tuple((day, Decimal(n), Decimal(t)) for day, n, t in credited),
                          tax_rate=Decimal("0.06"))
    return CommitmentInvoiceFacts(ISSUED, INVOICE_DUE, subtotal, invoice=billed)


def dunning_sent(facts: EnrollmentFacts, first: date, last: date):
    """The advice, reminders and suspension the daily job sends from first to last, once each."""
    sent, found = set(), []
    for offset in range((last - first).days + 1):
        for notice in due_notices(facts, first + timedelta(days=offset), sent):
            sent.add(notice.key)
            found += [notice] if notice.kind in ADVICE_KINDS else []
    return found


def facts_with(active, initial_order, *invoices: CommitmentInvoiceFacts) -> EnrollmentFacts:
    return EnrollmentFacts(active, (initial_order,), commitment_invoices=invoices)


def test_o8_a_partial_payment_lowers_the_commitment_payment_advice_to_what_is_left(
        active, initial_order):
    """RMB 10,000.00 paid of 106,000.00: 96,000.00 is left with VAT, 90,566.04 of it net of
    tax (the 10,000.00 paid for 9,433.96 and its VAT of 566.04; 90,566.04 with its VAT of
    5,433.96 is the 96,000.00 left)."""
    facts = facts_with(active, initial_order, invoice((date(2025, 4, 15), "10000.00")))
    [advice] = dunning_sent(facts, date(2025, 4, 20), date(2025, 4, 20))
    assert (advice.kind, advice.amount, advice.pay_by) == (
        K.COMMITMENT_PAYMENT_ADVICE, Decimal("90566.04"), date(2025, 5, 20))
    assert advice.message == (
        "Payment advice: RMB 90,566.04 of the monetary commitment invoice of 2025-03-20 "
        "(RMB 96,000.00 with VAT on INV-1) is unpaid; services will be suspended if it is "
        "unpaid on 2025-05-20.")


def test_o8_each_commitment_reminder_and_the_suspension_ask_for_what_is_left_on_their_day(
        active, initial_order):
    """A second payment of 53,000.00 on 1 May leaves 43,000.00 with VAT (40,566.04 net)."""
    facts = facts_with(active, initial_order, invoice((date(2025, 4, 15), "10000.00"),
                                                      (date(2025, 5, 1), "53000.00")))
    sent = dunning_sent(facts, date(2025, 4, 20), date(2025, 5, 20))
    assert [(n.kind, n.key.detail, n.amount) for n in sent] == [
        (K.COMMITMENT_PAYMENT_ADVICE, 0, Decimal("90566.04")),
        (K.COMMITMENT_PAYMENT_REMINDER, 1, Decimal("90566.04")),
        (K.COMMITMENT_PAYMENT_REMINDER, 2, Decimal("40566.04")),
        (K.SUSPEND_FOR_UNPAID_COMMITMENT, 0, Decimal("40566.04"))]
    assert sent[2].message == (
        "Reminder: RMB 40,566.04 of the monetary commitment invoice of 2025-03-20 "
        "(RMB 43,000.00 with VAT on INV-1) must be paid by 2025-05-20.")


def test_o8_a_credit_note_and_a_payment_both_lower_the_commitment_advice(active, initial_order):
    """A credit note of RMB 21,200.00 with VAT and a payment of 31,800.00: 53,000.00 left."""
    facts = facts_with(active, initial_order, invoice(
        (date(2025, 4, 12), "31800.00"), credited=((date(2025, 4, 10), "20000.00", "21200.00"),)))
    assert [n.amount for n in dunning_sent(facts, date(2025, 4, 20), date(2025, 4, 20))] == [
        Decimal("50000.00")]


def test_o8_invoices_of_one_day_are_advised_together_for_what_is_left_of_each(
        active, initial_order):
    facts = facts_with(active, initial_order, invoice((date(2025, 4, 15), "10000.00")),
                       invoice(number="INV-2", net="5000.00"))
    [advice] = dunning_sent(facts, date(2025, 4, 20), date(2025, 4, 20))
    assert advice.amount == Decimal("95566.04")
    assert ("RMB 95,566.04 of the monetary commitment invoices of 2025-03-20 (RMB 101,300.00 "
            "with VAT on INV-1, INV-2) is unpaid") in advice.message
