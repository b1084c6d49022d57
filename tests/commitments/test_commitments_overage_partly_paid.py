"""O8, B5: a month's overage paid in part is advised, reminded and suspended for what is left.

What is left is read from the month's overage invoice on the notice's day: its balance with
VAT (total less payments and credit notes), and net of tax what the invoice still bills net
less what the payments paid for, rounded once on their sum (commitments.invoice_balance).
"""

from datetime import date, timedelta
from decimal import Decimal

from commitments.due import due_notices
from commitments.notices import (
    EnrollmentFacts,
    InvoiceFacts,
    NoticeKind,
    OverageSettlement,
    SettlementOption,
)
from tests.commitments.test_commitments_due_notices import INITIAL, YEAR_2, usage

K = NoticeKind
MAY = date(2025, 5, 1)
# May runs RMB 1,000 past the commitment: invoice INV-7 of 6 June, RMB 1,060 with 6% VAT.
MAY_USAGE = (usage(date(2025, 5, 20), "101000"),)
ADVICE_KINDS = {K.OVERAGE_PAYMENT_ADVICE, K.OVERAGE_PAYMENT_REMINDER,
                K.SUSPEND_FOR_UNPAID_OVERAGE}


def invoice(*payments: tuple[date, str], credited: tuple = ()) -> InvoiceFacts:
    """INV-7, its payments with VAT and its credit notes (day, net, with VAT)."""
    return InvoiceFacts("INV-7", date(2025, 7, 6), Decimal("1000.00"), Decimal("1060.00"),
                        tuple((day, Decimal(amount)) for day, amount in payments),
                        tuple((day, Decimal(net), Decimal(total)) for day, net, total in credited),
                        tax_rate=Decimal("0.06"))


def facts_with(active, settlement: OverageSettlement) -> EnrollmentFacts:
    return EnrollmentFacts(active, (INITIAL, YEAR_2), MAY_USAGE, (settlement,))


def dunning_on(facts: EnrollmentFacts, day: date):
    return [n for n in due_notices(facts, day, set()) if n.kind in ADVICE_KINDS]


def dunning_sent(facts: EnrollmentFacts, first: date, last: date):
    """The advice, reminders and suspension the daily job sends from first to last, once each."""
    sent, found = set(), []
    for offset in range((last - first).days + 1):
        for notice in due_notices(facts, first + timedelta(days=offset), sent):
            sent.add(notice.key)
            found += [notice] if notice.kind in ADVICE_KINDS else []
    return found


def test_o8_a_partial_payment_lowers_the_payment_advice_to_what_is_left_to_the_fen(active):
    """RMB 10.00 paid of 1,060.00: 1,050.00 is left with VAT, 990.57 of it net of tax
    (the 10.00 paid for 9.43 and its VAT of 0.57; 990.57 + its VAT of 59.43 is the 1,050.00
    left)."""
    facts = facts_with(active, OverageSettlement(MAY, invoice=invoice(
        (date(2025, 6, 12), "10.00"))))
    [advice] = dunning_on(facts, date(2025, 6, 16))
    assert (advice.kind, advice.amount, advice.pay_by) == (
        K.OVERAGE_PAYMENT_ADVICE, Decimal("990.57"), date(2025, 7, 16))
    assert "RMB 990.57 of the 2025-05 overage (RMB 1,050.00 with VAT on INV-7) is unpaid" \
        in advice.message


def test_o8_each_reminder_and_the_suspension_ask_for_what_is_left_on_their_day(active):
    """A second payment of 530.00 on 1 July leaves 520.00 with VAT (490.57 net): the first
    reminder (24 June) asked for 990.57, the second and the suspension for 490.57."""
    facts = facts_with(active, OverageSettlement(MAY, invoice=invoice(
        (date(2025, 6, 12), "10.00"), (date(2025, 7, 1), "530.00"))))
    sent = dunning_sent(facts, date(2025, 6, 16), date(2025, 7, 16))
    assert [(n.kind, n.key.detail, n.amount) for n in sent] == [
        (K.OVERAGE_PAYMENT_ADVICE, 0, Decimal("990.57")),
        (K.OVERAGE_PAYMENT_REMINDER, 1, Decimal("990.57")),
        (K.OVERAGE_PAYMENT_REMINDER, 2, Decimal("490.57")),
        (K.SUSPEND_FOR_UNPAID_OVERAGE, 0, Decimal("490.57"))]
    assert sent[2].message == ("Reminder: RMB 490.57 of the 2025-05 overage (RMB 520.00 with "
                               "VAT on INV-7) must be paid by 2025-07-16.")


def test_o8_an_answered_month_paid_in_part_is_advised_for_the_rest(active):
    answered = OverageSettlement(MAY, responded_on=date(2025, 6, 12),
                                 option=SettlementOption.PAY,
                                 invoice=invoice((date(2025, 7, 1), "530.00")))
    [advice] = dunning_on(facts_with(active, answered), date(2025, 7, 7))
    assert (advice.amount, advice.pay_by) == (Decimal("500.00"), date(2025, 8, 6))


def test_o8_a_reversed_payment_counts_again_as_due(active):
    """A cheque that bounced is reversed by a negative payment: the amount is due again."""
    bounced = OverageSettlement(MAY, invoice=invoice((date(2025, 6, 12), "530.00"),
                                                     (date(2025, 6, 20), "-530.00")))
    sent = dunning_sent(facts_with(active, bounced), date(2025, 6, 16), date(2025, 6, 24))
    assert [n.amount for n in sent] == [Decimal("500.00"), Decimal("1000.00")]


def test_o8_a_partial_offset_and_a_payment_both_lower_the_advice(active):
    """The offset's credit note (RMB 212.00 with VAT) and a payment of 318.00: 530.00 left."""
    settled = OverageSettlement(MAY, option=SettlementOption.OFFSET, invoice=invoice(
        (date(2025, 6, 16), "318.00"), credited=((date(2025, 6, 16), "200.00", "212.00"),)))
    facts = facts_with(active, settled)
    assert [n.amount for n in dunning_on(facts, date(2025, 6, 16))] == [Decimal("500.00")]
