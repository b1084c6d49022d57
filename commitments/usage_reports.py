"""O5: periodic usage notifications, the customer's choice of daily, weekly or monthly.

Seed 000 (Azure Enterprise Portal): the portal "Sends periodic usage notifications (daily,
weekly, or monthly) to inform the customer of their remaining monetary commitment or their
monthly overage", besides the 50/75/90/100% notices. The frequency is stored per enrollment;
none is sent until the customer chooses one.

A report covers a closed period and goes out the day after it: daily, each day for the day
before; weekly, each Monday for the week Monday-Sunday before; monthly, on the 1st for the
month before. It states the usage charged in the period and, for the commitment year the
period ends in, the remaining commitment or, once it is exhausted, that month's overage.
A report not sent on its day is not sent late: the next one supersedes it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from commitments.balance import UsageRecord, overage_by_month, term_balance, usage_charge
from commitments.enrollment import Status, term_year
from commitments.money import ZERO, format_rmb
from commitments.notices import (
    Candidate,
    EnrollmentFacts,
    Notice,
    NoticeKey,
    NoticeKind,
    UsageFrequency,
)
from commitments.schedule import add_months, first_of_month

RULE = "O5"
_RUNNING = frozenset({Status.ACTIVE, Status.SUSPENDED})
_DAY = timedelta(days=1)


def report_period(frequency: UsageFrequency, today: date) -> tuple[date, date] | None:
    """The closed period a report sent today covers, or None when none is due today."""
    if frequency is UsageFrequency.DAILY:
        return today - _DAY, today - _DAY
    if frequency is UsageFrequency.WEEKLY and today.weekday() == 0:
        return today - timedelta(days=7), today - _DAY
    if frequency is UsageFrequency.MONTHLY and today.day == 1:
        return add_months(today, -1), today - _DAY
    return None


def period_charge(usage: Sequence[UsageRecord], first: date, last: date) -> Decimal:
    """What the usage of the period cost at the commitment rates, rounded once (B5)."""
    return usage_charge(r for r in usage if first <= r.used_on <= last)


@dataclass(frozen=True)
class UsageReport:
    """One periodic report: the period, its usage, what is left and the month's overage."""

    first: date
    last: date
    used: Decimal
    year: int
    remaining: Decimal
    month_overage: Decimal

    @property
    def message(self) -> str:
        """The report as one sentence per fact."""
        text = f"Usage from {self.first.isoformat()} to {self.last.isoformat()}: " \
            f"{format_rmb(self.used)}."
        if self.month_overage > ZERO:
            return f"{text} Overage in {self.last:%Y-%m}: {format_rmb(self.month_overage)}."
        return f"{text} Remaining year {self.year} commitment: {format_rmb(self.remaining)}."


def usage_report(facts: EnrollmentFacts, first: date, last: date) -> UsageReport | None:
    """The report for a period ending inside the enrollment's term, else None."""
    start = facts.enrollment.start
    year = term_year(start, last)
    if year is None:
        return None
    first = max(first, start)
    balance = term_balance(start, facts.orders, facts.usage, year, last, facts.offsets)
    by_month = overage_by_month(start, facts.orders, facts.usage, year, last, facts.offsets)
    return UsageReport(first, last, period_charge(facts.usage, first, last), year,
                       balance.remaining, by_month.get(first_of_month(last), ZERO))


def usage_report_candidates(facts: EnrollmentFacts, today: date) -> Iterator[Candidate]:
    """Today's periodic report at the customer's frequency, if one is due."""
    frequency = facts.usage_frequency
    if frequency is None or facts.enrollment.status not in _RUNNING:
        return
    period = report_period(frequency, today)
    report = usage_report(facts, *period) if period else None
    if report is None:
        return
    key = NoticeKey(facts.enrollment.number, NoticeKind.USAGE_REPORT, today)
    yield Candidate(Notice(key, today, report.message), today)
