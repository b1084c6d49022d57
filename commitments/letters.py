"""O2, O3, O5: the letters sent when something happens, not on a schedule.

Seed 000: "Once this is done [the annual order processed], Customer will receive Order
Confirmation notification and able to view the Annual Order amount"; and "a welcome letter
will be sent to notify customers that the enrollment is ready to use". The order confirmation
goes out when a commitment order is accepted (placed past every O1-O4 rule) and states the
order and the commitment year's annual order amount; the welcome letter goes out when the
enrollment is activated, once (reactivation is not a new welcome).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from commitments.enrollment import Enrollment
from commitments.money import format_rmb
from commitments.notices import Notice, NoticeKey, NoticeKind
from commitments.orders import CommitmentOrder, annual_amount, funded


def order_confirmation(
    enrollment: Enrollment,
    order: CommitmentOrder,
    orders: Sequence[CommitmentOrder],
    order_id: int,
) -> Notice:
    """The Order Confirmation notification, with the year's annual order amount."""
    yearly = annual_amount(orders, order.year)
    total = funded(orders, order.year, order.submitted_on)
    message = (
        f"Order confirmation: the {order.kind.value} order for year {order.year} of"
        f" {format_rmb(order.amount_excl_tax)} excluding tax is accepted. Annual order amount"
        f" for year {order.year}: "
        f"{format_rmb(yearly) if yearly is not None else 'not yet ordered'}; committed for"
        f" the year in all: {format_rmb(total)}."
    )
    key = NoticeKey(enrollment.number, NoticeKind.ORDER_CONFIRMATION, order.submitted_on,
                    order_id)
    return Notice(key, order.submitted_on, message, order.amount_excl_tax)


def welcome_letter(enrollment: Enrollment, today: date) -> Notice:
    """The welcome letter: the enrollment is ready to use (sent once, keyed by its start)."""
    message = (
        f"Welcome: enrollment {enrollment.number} is ready to use. Its term runs from"
        f" {enrollment.start.isoformat()} to {enrollment.end.isoformat()}; sign in to manage"
        f" usage, accounts and subscriptions."
    )
    key = NoticeKey(enrollment.number, NoticeKind.WELCOME_LETTER, enrollment.start)
    return Notice(key, today, message)
