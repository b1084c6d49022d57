"""The daily job: send each due notice once and apply the state changes it names (O2, O5, O8, O9).

run_daily(today) is a plain function so `flask commitments run-daily` and a Celery beat task
call the same code. Each enrollment is its own unit of work: its notices, state changes and
SentNotice keys commit together, so a failure on one enrollment does not hold back the rest,
and a replay finds the keys and sends nothing twice.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from accounts.models import Role, User
from commitments import lifecycle
from commitments.due import due_notices
from commitments.enrollment import Status
from commitments.invoices import invoice_for_overage
from commitments.money import format_rmb
from commitments.notices import Notice, NoticeKind
from commitments.problems import CommitmentRefused
from commitments.records import invoicing, mapping, models, subscription_states
from commitments.records.locking import lock_enrollment
from notifications import notify
from persistence import db

TITLES = {
    NoticeKind.USAGE_THRESHOLD: "{detail}% of the commitment used",
    NoticeKind.ANNUAL_ORDER_REMINDER: "Annual order due in {detail} days",
    NoticeKind.RENEWAL_REMINDER: "Renewal reminder: the enrollment ends in 90 days",
    NoticeKind.OVERAGE_STATEMENT: "Overage statement",
    NoticeKind.OVERAGE_NOTIFICATION: "Overage: choose how to settle",
    NoticeKind.OVERAGE_PAYMENT_ADVICE: "Payment advice for unpaid overage",
    NoticeKind.OVERAGE_PAYMENT_REMINDER: "Payment reminder {detail} for unpaid overage",
    NoticeKind.ANNUAL_ORDER_PAYMENT_ADVICE: "Payment advice: annual order missing",
    NoticeKind.ANNUAL_ORDER_PAYMENT_REMINDER: "Payment reminder {detail}: annual order missing",
    NoticeKind.SUSPEND_FOR_UNPAID_OVERAGE: "Enrollment suspended: unpaid overage",
    NoticeKind.SUSPEND_FOR_MISSING_ANNUAL_ORDER: "Enrollment suspended: annual order missing",
    NoticeKind.EXPIRE: "Enrollment expired",
    NoticeKind.MARK_FOR_DEPROVISIONING: "Data to be deprovisioned",
    NoticeKind.USAGE_REPORT: "Usage notification",
    NoticeKind.ORDER_CONFIRMATION: "Order confirmation",
    NoticeKind.WELCOME_LETTER: "Welcome: your enrollment is ready",
    NoticeKind.COMMITMENT_PAYMENT_ADVICE: "Payment advice: monetary commitment unpaid",
    NoticeKind.COMMITMENT_PAYMENT_REMINDER: "Payment reminder {detail}: monetary commitment",
    NoticeKind.SUSPEND_FOR_UNPAID_COMMITMENT: "Enrollment suspended: monetary commitment unpaid",
    NoticeKind.TERMINATION_REMINDER: "Dunning termination reminder",
    NoticeKind.TERMINATION_NOTIFICATION: "Agreement and subscription termination notification",
    NoticeKind.TERMINATE: "Enrollment and subscriptions terminated",
}
_NOT_STARTED = (Status.DRAFT.value, Status.CREDIT_CHECK.value)


@dataclass
class DailyReport:
    """What one run did: notices sent per enrollment number, and enrollments that failed."""

    sent: dict[str, list[str]] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(len(keys) for keys in self.sent.values())


def enrollment_path(row: models.Enrollment) -> str:
    """The enrollment page, as a path: the job runs without a request to build URLs from."""
    return f"/enrollments/{row.id}"


def recipients(row: models.Enrollment) -> list[User]:
    """The customer's users, the partner reseller's users and every provider admin."""
    who = [User.role == Role.PROVIDER_ADMIN, User.customer_id == row.customer_id]
    if row.partner_reseller_id is not None:
        who.append(User.reseller_id == row.partner_reseller_id)
    query = select(User).where(User.active.is_(True), or_(*who)).order_by(User.id)
    return list(db.session.scalars(query))


def _apply_state_change(row: models.Enrollment, notice: Notice, today: date) -> None:
    """Suspend, expire or mark for deprovisioning, through the domain's lifecycle."""
    if notice.kind is NoticeKind.MARK_FOR_DEPROVISIONING:
        row.deprovision_marked_on = today
        subscription_states.follow(row, today)
        return
    state = mapping.to_enrollment(row)
    if notice.suspension_reason is not None:
        if state.status is Status.SUSPENDED:
            return  # both suspensions fell due the same day: the first reason stands
        state = lifecycle.suspend(state, notice.suspension_reason, today)
    elif notice.kind is NoticeKind.TERMINATE:
        state = lifecycle.terminate(state, today)
    else:
        state = lifecycle.expire(state, today)
    mapping.apply_state(row, state)


def _invoice_overage(row: models.Enrollment, notice: Notice, today: date) -> None:
    """O6: the partner invoices each month's overage when its statement goes out."""
    rate = Decimal(str(current_app.config.get("OSPA_TAX_RATE", "0.06")))
    invoice = invoice_for_overage(mapping.to_enrollment(row), notice.amount, "", today, rate,
                                  row.payment_terms_days)
    invoicing.issue(row, invoice, overage_month=notice.key.anchor)


def _body(notice: Notice) -> str:
    lines = [notice.message]
    if notice.amount is not None and notice.kind is not NoticeKind.USAGE_THRESHOLD:
        lines.append(f"Amount: {format_rmb(notice.amount)} excluding tax.")
    if notice.kind is NoticeKind.USAGE_THRESHOLD and notice.amount is not None:
        lines.append(f"Remaining balance: {format_rmb(notice.amount)}.")
    if notice.pay_by is not None:
        lines.append(f"Payment due on {notice.pay_by.isoformat()}.")
    return " ".join(lines)


def send_notice(row: models.Enrollment, notice: Notice, today: date) -> None:
    """Apply the notice's state change, notify everyone concerned, remember its key."""
    if notice.is_state_change:
        _apply_state_change(row, notice, today)
    if notice.kind is NoticeKind.OVERAGE_STATEMENT and notice.amount:
        _invoice_overage(row, notice, today)
    subject = f"{row.number}: " + TITLES[notice.kind].format(detail=notice.key.detail)
    notify(recipients(row), subject, _body(notice), enrollment_path(row))
    row.notices.append(models.SentNotice(
        key=str(notice.key), kind=notice.kind.value, sent_on=today, message=notice.message
    ))


def dispatch_due(
    row: models.Enrollment, today: date, kinds: Collection[NoticeKind] | None = None
) -> list[Notice]:
    """Send what the domain says is due today (optionally only some kinds); caller commits."""
    due = due_notices(mapping.to_facts(row), today, mapping.sent_keys(row))
    chosen = [n for n in due if kinds is None or n.kind in kinds]
    for notice in chosen:
        send_notice(row, notice, today)
    return chosen


def run_daily(today: date) -> DailyReport:
    """Evaluate every started enrollment for `today`; running twice sends nothing new."""
    report = DailyReport()
    query = select(models.Enrollment.id).where(models.Enrollment.status.not_in(_NOT_STARTED))
    for enrollment_id in list(db.session.scalars(query.order_by(models.Enrollment.id))):
        # A service on the enrollment (an offset, usage crossing a threshold) commits first
        # or waits: the dunning and the notices read what it did.
        lock_enrollment(enrollment_id)
        row = db.session.get(models.Enrollment, enrollment_id)
        number = row.number
        try:
            sent = dispatch_due(row, today)
            db.session.commit()
        except (IntegrityError, CommitmentRefused):
            # IntegrityError: a concurrent run recorded these keys first, and theirs stand.
            db.session.rollback()
            report.failed.append(number)
            continue
        if sent:
            report.sent[number] = [str(n.key) for n in sent]
    return report
