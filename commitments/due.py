"""The one function the daily job calls: what is due today for one enrollment.

It gathers the reminders (O2, O9), usage threshold notices (O5), the dunning of unpaid overage
and missing annual orders (O8, commitments.dunning) and the state changes: suspend, expire at
the end of service, mark for deprovisioning 90 days after service stopped.
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from datetime import date, timedelta

from commitments.balance import term_balance, thresholds_reached
from commitments.dunning import missing_annual_order_candidates, overage_candidates
from commitments.enrollment import TERM_YEARS, Status, term_bounds
from commitments.lifecycle import STOPPED
from commitments.notices import Candidate, EnrollmentFacts, Notice, NoticeKey, NoticeKind
from commitments.orders import annual_amount
from commitments.schedule import (
    ANNUAL_ORDER_REMINDER_DAYS,
    annual_order_reminder_dates,
    deprovision_date,
    renewal_reminder_date,
    service_end,
)
from commitments.termination import termination_candidates
from commitments.unpaid import unpaid_commitment_candidates
from commitments.usage_reports import usage_report_candidates

_RUNNING = frozenset({Status.ACTIVE, Status.SUSPENDED})
_DAY = timedelta(days=1)


def _annual_order_reminders(facts: EnrollmentFacts, today: date) -> Iterator[Candidate]:
    """Reminders 105, 60 and 7 days before anniversaries 1 and 2, until the order is in."""
    number = facts.enrollment.number
    for year in (2, 3):
        if annual_amount([o for o in facts.orders if o.submitted_on <= today], year) is not None:
            continue
        anniversary = facts.enrollment.anniversary(year - 1)
        dates = annual_order_reminder_dates(anniversary)
        ends = [d - _DAY for d in dates[1:]] + [anniversary - _DAY]
        for days, due_on, last in zip(ANNUAL_ORDER_REMINDER_DAYS, dates, ends, strict=True):
            message = f"Submit the year {year} annual order; the anniversary is {anniversary}."
            key = NoticeKey(number, NoticeKind.ANNUAL_ORDER_REMINDER, anniversary, days)
            yield Candidate(Notice(key, due_on, message), last)


def _renewal_reminder(facts: EnrollmentFacts, today: date) -> Iterator[Candidate]:
    """The renewal reminder 90 days before the three-year term ends, unless already renewed."""
    if facts.renewed:
        return
    end = facts.enrollment.end
    message = f"Enrollment {facts.enrollment.number} expires on {end}; sign a renewal to continue."
    key = NoticeKey(facts.enrollment.number, NoticeKind.RENEWAL_REMINDER, end, 90)
    yield Candidate(Notice(key, renewal_reminder_date(end), message), end)


def _usage_thresholds(facts: EnrollmentFacts, today: date) -> Iterator[Candidate]:
    """One notice per threshold reached in the current commitment year."""
    enrollment = facts.enrollment
    for year in range(1, TERM_YEARS + 1):
        first, last = term_bounds(enrollment.start, year)
        if not first <= today <= last:
            continue
        balance = term_balance(enrollment.start, facts.orders, facts.usage, year, today,
                               facts.offsets)
        for threshold in thresholds_reached(balance):
            message = f"{threshold}% of the year {year} commitment has been used."
            key = NoticeKey(enrollment.number, NoticeKind.USAGE_THRESHOLD, first, threshold)
            yield Candidate(Notice(key, today, message, balance.remaining), last)


def _expiry(facts: EnrollmentFacts, today: date) -> Iterator[Candidate]:
    """Expire the enrollment the day after its service ends (90 days later with Extended Term,
    unless renewed: the renewal takes over the day after the end date, O9)."""
    enrollment = facts.enrollment
    due_on = service_end(enrollment.end, enrollment.extended_term and not facts.renewed) + _DAY
    key = NoticeKey(enrollment.number, NoticeKind.EXPIRE, enrollment.end)
    yield Candidate(Notice(key, due_on, f"Enrollment {enrollment.number} has expired."), date.max)


def _deprovisioning(facts: EnrollmentFacts, today: date) -> Iterator[Candidate]:
    """Mark data for deprovisioning 90 days after suspension, termination or expiry."""
    enrollment, since = facts.enrollment, facts.enrollment.status_since
    if since is None or (enrollment.status is Status.EXPIRED and facts.renewed):
        return
    key = NoticeKey(enrollment.number, NoticeKind.MARK_FOR_DEPROVISIONING, since)
    message = f"Deprovision the data of {enrollment.number}: kept 90 days since it stopped."
    yield Candidate(Notice(key, deprovision_date(since), message), date.max)


def _candidates(facts: EnrollmentFacts, today: date) -> Iterator[Candidate]:
    if facts.enrollment.status in _RUNNING:
        yield from _annual_order_reminders(facts, today)
        yield from _renewal_reminder(facts, today)
        yield from _usage_thresholds(facts, today)
        yield from _expiry(facts, today)
    yield from overage_candidates(facts, today)
    yield from missing_annual_order_candidates(facts, today)
    yield from unpaid_commitment_candidates(facts, today)
    yield from termination_candidates(facts, today)
    yield from usage_report_candidates(facts, today)
    if facts.enrollment.status in STOPPED:
        yield from _deprovisioning(facts, today)


def due_notices(
    facts: EnrollmentFacts, today: date, already_sent: AbstractSet[NoticeKey]
) -> list[Notice]:
    """Notices and state changes due today and not yet sent, in due-date order."""
    due = {
        c.notice.key: c.notice
        for c in _candidates(facts, today)
        if c.notice.due_on <= today <= c.last_day and c.notice.key not in already_sent
    }
    return sorted(due.values(), key=lambda n: (n.due_on, str(n.key)))
