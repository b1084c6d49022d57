"""Send the order confirmation and the welcome letter (commitments.letters), each once."""

from __future__ import annotations

from datetime import date

from commitments import letters
from commitments.records import mapping, models
from commitments.records.daily import send_notice


def _send_once(row: models.Enrollment, notice, today: date) -> None:
    if notice.key not in mapping.sent_keys(row):
        send_notice(row, notice, today)


def send_order_confirmation(
    row: models.Enrollment, order: models.CommitmentOrder, today: date
) -> None:
    """The Order Confirmation notification for an accepted order; the caller commits."""
    notice = letters.order_confirmation(mapping.to_enrollment(row), mapping.to_order(order),
                                        mapping.to_orders(row), order.id)
    _send_once(row, notice, today)


def send_welcome_letter(row: models.Enrollment, today: date) -> None:
    """The welcome letter once the enrollment is ready to use; the caller commits."""
    _send_once(row, letters.welcome_letter(mapping.to_enrollment(row), today), today)
