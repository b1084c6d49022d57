"""The Extended Term clause: usage after the end date is overage at current prices (O8, O9).

Seed 000: "For Customer whom signs Enrollment with Extended Term clause can continue to use
Azure services up to 90 days and charged as overage at the current price when their
Enrollment expires". So usage dated after the enrollment's last day, up to its service end
(commitments.schedule.service_end), is accepted when the clause is signed and the customer did
not renew (a renewal enrollment starts the next day and takes that usage, O9); none of it is
drawn from a commitment balance: all of it is overage, charged per calendar month like the
term's overage. Without the clause, or once renewed, such usage is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from commitments.balance import UsageRecord, usage_charge
from commitments.enrollment import Enrollment
from commitments.problems import Problem, problem
from commitments.schedule import first_of_month, service_end


def in_extended_term(enrollment: Enrollment, day: date, renewed: bool) -> bool:
    """Whether `day` falls in the 90 days of service the Extended Term clause adds."""
    if not enrollment.extended_term or renewed:
        return False
    return enrollment.end < day <= service_end(enrollment.end, True)


def usage_day_problems(enrollment: Enrollment, day: date, renewed: bool) -> list[Problem]:
    """O5.usage_outside_term unless `day` is in the term or in its extended term."""
    if enrollment.start <= day <= enrollment.end or in_extended_term(enrollment, day, renewed):
        return []
    last = service_end(enrollment.end, enrollment.extended_term and not renewed)
    message = f"Usage must fall between {enrollment.start} and {last}."
    if day > enrollment.end and not enrollment.extended_term:
        message += " Without the Extended Term clause service stops at the end date."
    elif day > enrollment.end and renewed:
        message += " The renewal enrollment takes usage from the day after the end date."
    return [problem("O5", "usage_outside_term", message, "used_on")]


def extended_term_overage(
    enrollment: Enrollment, usage: Sequence[UsageRecord], renewed: bool, as_of: date
) -> dict[date, Decimal]:
    """Overage per calendar month from usage in the extended term, up to `as_of`; each month
    is one invoice line, its exact usage rounded once (B5)."""
    months: dict[date, list[UsageRecord]] = {}
    for record in usage:
        if record.used_on <= as_of and in_extended_term(enrollment, record.used_on, renewed):
            months.setdefault(first_of_month(record.used_on), []).append(record)
    return {month: usage_charge(records) for month, records in months.items()}
