"""An enrollment's lock: its write services check the O rules against its facts (orders,
offsets, usage, notices sent, invoices), then write. Two requests on one enrollment take
turns, the second checking what the first committed: two admins cannot both draw an order's
last funds or both credit an overage invoice (O3, O5), place two initial orders (O1), or
lose a threshold notice to a racing usage record (O5).

Two checks read every enrollment, so no one enrollment's lock covers them: the next V570
number (O7), which two new or renewed enrollments would both take, and whether any
enrollment holds a subscription already (O7: one enrollment's, and conversion is one-way),
which two enrollments adding or converting it would both pass. Each has its own named lock
(persistence.locks.locked_name), taken after the enrollment's. The order is always
enrollment, then its overage invoice, then a named lock or an invoice number series
(billing.numbering), so two requests never wait for each other's.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from commitments.records import models
from persistence import db
from persistence.locks import locked, locked_name


def lock_enrollment(enrollment_id: int, *, overage_month: date | None = None) -> None:
    """Hold the enrollment until the commit (persistence.locks: a row lock on PostgreSQL,
    SQLite's write lock), with the month's overage invoice when given (its link and the
    billing invoice: a payment being recorded on it, which locks the invoice, is waited
    for). Then what the session read before is forgotten: the page loaded the enrollment's
    collections (and a settlement's offsets, an invoice's payments) to show its form, and
    the check must read them again, as committed now."""
    locked(select(models.Enrollment.id).where(models.Enrollment.id == enrollment_id)
           .with_for_update())
    if overage_month is not None:
        link = models.EnrollmentInvoice
        # FOR UPDATE without OF locks the rows of every joined table: the invoice too.
        locked(select(link.id).join(link.invoice).where(
            link.enrollment_id == enrollment_id, link.kind == "overage",
            link.overage_month == overage_month).with_for_update())
    db.session.expire_all()


def lock_enrollment_numbers() -> None:
    """Hold the enrollment numbers until the commit: a racing new or renewed enrollment's
    number is read, committed, before the next is chosen (O7)."""
    locked_name("commitments:enrollment_numbers")


def lock_subscription(subscription_id: str) -> None:
    """Hold the subscription id (in lower case: commitments.accounts) until the commit: a
    racing addition or conversion of it into another enrollment is seen, committed, by the
    check that no enrollment holds it (O7)."""
    locked_name(f"commitments:subscription:{subscription_id}")
