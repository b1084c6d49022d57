"""The calendar of seed 000: annual-order windows and reminders, payment advice, retention.

Day counts, all taken from seed 000 ("Renew and Suspension"):
- annual order reminders 105, 60 and 7 days before the anniversary (O2);
- annual order accepted from 60 to 30 days before the anniversary, both days included (O2);
- renewal reminder 90 days before the three-year term expires (O9);
- unpaid overage of month M: statement by the 6th, manual notification by the 8th, answer due
  by the 15th of M+1; payment advice on the 16th of M+1; reminders on the 24th of M+1 and the
  8th of M+2; payment due, and suspension, on the 16th of M+2 (O8);
- an unpaid invoice (a monetary commitment, or overage the customer answered by the 15th
  to pay): payment advice the day after its payment term ends unpaid; payment due 30 days
  later, reminders 3 weeks and 1 week before it, suspension on it (O8);
- missing annual order: deadline 30 days before the anniversary; payment advice the next day;
  payment due on the first 1st of a month at least 30 days after the advice; reminders on the
  10th and 24th of the month before the due month; suspension on the due date (O8);
- data kept 90 days after suspension, termination or expiry, then deprovisioned (O8);
- with the Extended Term clause, service continues 90 days after expiry (O8).
Services are suspended "upon payment due", on the due date itself; a payment or order recorded
by the time the daily job looks on that day still prevents it ("before payment due date").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

ANNUAL_ORDER_REMINDER_DAYS = (105, 60, 7)
ANNUAL_ORDER_WINDOW_OPENS_DAYS = 60
ANNUAL_ORDER_WINDOW_CLOSES_DAYS = 30
RENEWAL_REMINDER_DAYS = 90
RETENTION_DAYS = 90
EXTENDED_TERM_DAYS = 90
PAYMENT_TERM_DAYS = 30
ADVICE_NOTICE_DAYS = 30
UNPAID_INVOICE_REMINDER_DAYS = (21, 7)  # "Payment due date -3 weeks" and "-1 week"


def days_before(anniversary: date, day: date) -> int:
    """How many days `day` is before the anniversary (negative once it has passed)."""
    return (anniversary - day).days


def annual_order_window(anniversary: date) -> tuple[date, date]:
    """First and last day an annual order for the year starting on `anniversary` is accepted."""
    return (
        anniversary - timedelta(days=ANNUAL_ORDER_WINDOW_OPENS_DAYS),
        anniversary - timedelta(days=ANNUAL_ORDER_WINDOW_CLOSES_DAYS),
    )


def annual_order_reminder_dates(anniversary: date) -> tuple[date, ...]:
    """The days reminders go out: 105, 60 and 7 days before the anniversary."""
    return tuple(anniversary - timedelta(days=d) for d in ANNUAL_ORDER_REMINDER_DAYS)


def renewal_reminder_date(end: date) -> date:
    """The renewal reminder day: 90 days before the enrollment's last day."""
    return end - timedelta(days=RENEWAL_REMINDER_DAYS)


def service_end(end: date, extended_term: bool) -> date:
    """The last day of service: the end date, or 90 days later with the Extended Term clause."""
    return end + timedelta(days=EXTENDED_TERM_DAYS) if extended_term else end


def deprovision_date(stopped_on: date) -> date:
    """The day data is deprovisioned: 90 full days after suspension, termination or expiry."""
    return stopped_on + timedelta(days=RETENTION_DAYS)


def payment_due_date(issued_on: date, terms_days: int = PAYMENT_TERM_DAYS) -> date:
    """An invoice's due date under the payment term: 30 days unless the partner set
    the enrollment's own (O6)."""
    return issued_on + timedelta(days=terms_days)


def first_of_month(day: date) -> date:
    """The first day of `day`'s month."""
    return day.replace(day=1)


def add_months(day: date, months: int, on: int = 1) -> date:
    """Day `on` of the month `months` after `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, on)


@dataclass(frozen=True)
class PaymentAdviceTimeline:
    """The suspension process a Payment Advice (付款通知书) starts, from issue to suspension."""

    advice_on: date
    first_reminder_on: date
    second_reminder_on: date
    due_on: date

    @property
    def suspend_on(self) -> date:
        """Services are suspended upon payment due."""
        return self.due_on


def unpaid_invoice_timeline(invoice_due_on: date) -> PaymentAdviceTimeline:
    """Advice the day after the invoice falls due unpaid; 30 days to pay; reminders 3 weeks
    and 1 week before; suspension on the payment due date."""
    advice_on = invoice_due_on + timedelta(days=1)
    due_on = advice_on + timedelta(days=ADVICE_NOTICE_DAYS)
    first, second = (due_on - timedelta(days=d) for d in UNPAID_INVOICE_REMINDER_DAYS)
    return PaymentAdviceTimeline(advice_on, first, second, due_on)


@dataclass(frozen=True)
class OverageTimeline:
    """What happens after overage in one month, per seed 000."""

    month: date
    statement_on: date
    notification_on: date
    respond_by: date
    advice: PaymentAdviceTimeline


def overage_timeline(month: date) -> OverageTimeline:
    """The statement, notification, answer deadline and payment advice for overage in `month`."""
    advice = PaymentAdviceTimeline(
        advice_on=add_months(month, 1, 16),
        first_reminder_on=add_months(month, 1, 24),
        second_reminder_on=add_months(month, 2, 8),
        due_on=add_months(month, 2, 16),
    )
    return OverageTimeline(
        month=first_of_month(month),
        statement_on=add_months(month, 1, 6),
        notification_on=add_months(month, 1, 8),
        respond_by=add_months(month, 1, 15),
        advice=advice,
    )


@dataclass(frozen=True)
class AnnualOrderTimeline:
    """What happens when no annual order arrives for the year starting on `anniversary`."""

    anniversary: date
    deadline: date
    advice: PaymentAdviceTimeline


def annual_order_timeline(anniversary: date) -> AnnualOrderTimeline:
    """Deadline, payment advice, reminders and suspension for a missing annual order."""
    deadline = annual_order_window(anniversary)[1]
    advice_on = deadline + timedelta(days=1)
    earliest = advice_on + timedelta(days=ADVICE_NOTICE_DAYS)
    due_on = earliest if earliest.day == 1 else add_months(earliest, 1)
    advice = PaymentAdviceTimeline(
        advice_on=advice_on,
        first_reminder_on=add_months(due_on, -1, 10),
        second_reminder_on=add_months(due_on, -1, 24),
        due_on=due_on,
    )
    return AnnualOrderTimeline(anniversary=anniversary, deadline=deadline, advice=advice)
