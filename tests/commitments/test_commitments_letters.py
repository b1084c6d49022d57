"""Seed 000: "Customer will receive Order Confirmation notification and able to view the Annual
Order amount"; "a welcome letter will be sent to notify customers that the enrollment is ready
to use"."""

from datetime import date
from decimal import Decimal

from commitments.letters import order_confirmation, welcome_letter
from commitments.notices import NoticeKind
from commitments.orders import CommitmentOrder, OrderKind


def test_order_confirmation_notification_states_the_annual_order_amount(active, initial_order):
    annual = CommitmentOrder(OrderKind.ANNUAL, 2, Decimal("80000"), date(2026, 2, 10))
    notice = order_confirmation(active, annual, (initial_order, annual), 7)
    assert notice.kind is NoticeKind.ORDER_CONFIRMATION and notice.key.detail == 7
    assert notice.message == (
        "Order confirmation: the annual order for year 2 of RMB 80,000.00 excluding tax is"
        " accepted. Annual order amount for year 2: RMB 80,000.00; committed for the year in"
        " all: RMB 80,000.00.")


def test_welcome_letter_says_the_enrollment_is_ready_to_use(active):
    notice = welcome_letter(active, date(2025, 3, 20))
    assert notice.kind is NoticeKind.WELCOME_LETTER
    assert "enrollment V5700001 is ready to use" in notice.message
