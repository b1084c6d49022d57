"""The notices and state changes a daily job sends or applies, each exactly once (O2, O5, O8, O9).

commitments.due.due_notices lists what is due; this module holds its types. Every Notice has
a stable NoticeKey (enrollment, kind, anchor date, detail) that the job stores once the notice
is sent or the change applied, so replays yield nothing. A notice missed on its day (the job
did not run) stays due until it is superseded: a reminder until the next one of its series,
a threshold notice until its term ends, a state change for ever.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from commitments.balance import UsageRecord
from commitments.enrollment import Enrollment, SuspensionReason
from commitments.orders import CommitmentOrder


class NoticeKind(StrEnum):
    """What a notice is; the last four are state changes the job applies."""

    USAGE_THRESHOLD = "usage_threshold"
    ANNUAL_ORDER_REMINDER = "annual_order_reminder"
    RENEWAL_REMINDER = "renewal_reminder"
    OVERAGE_STATEMENT = "overage_statement"
    OVERAGE_NOTIFICATION = "overage_notification"
    OVERAGE_PAYMENT_ADVICE = "overage_payment_advice"
    OVERAGE_PAYMENT_REMINDER = "overage_payment_reminder"
    ANNUAL_ORDER_PAYMENT_ADVICE = "annual_order_payment_advice"
    ANNUAL_ORDER_PAYMENT_REMINDER = "annual_order_payment_reminder"
    SUSPEND_FOR_UNPAID_OVERAGE = "suspend_for_unpaid_overage"
    SUSPEND_FOR_MISSING_ANNUAL_ORDER = "suspend_for_missing_annual_order"
    EXPIRE = "expire"
    MARK_FOR_DEPROVISIONING = "mark_for_deprovisioning"
    # Usage and letters (commitments.usage_reports, commitments.letters).
    USAGE_REPORT = "usage_report"
    ORDER_CONFIRMATION = "order_confirmation"
    WELCOME_LETTER = "welcome_letter"
    # An unpaid monetary-commitment invoice (commitments.unpaid).
    COMMITMENT_PAYMENT_ADVICE = "commitment_payment_advice"
    COMMITMENT_PAYMENT_REMINDER = "commitment_payment_reminder"
    SUSPEND_FOR_UNPAID_COMMITMENT = "suspend_for_unpaid_commitment"
    # Dunning to termination for non-payment (commitments.termination).
    TERMINATION_REMINDER = "termination_reminder"
    TERMINATION_NOTIFICATION = "termination_notification"
    TERMINATE = "terminate"
    # A price change the partner scheduled (commitments.price_list); detail: the line's id.
    PRICE_CHANGE = "price_change"


SUSPENSIONS = {
    NoticeKind.SUSPEND_FOR_UNPAID_OVERAGE: SuspensionReason.UNPAID_OVERAGE,
    NoticeKind.SUSPEND_FOR_MISSING_ANNUAL_ORDER: SuspensionReason.MISSING_ANNUAL_ORDER,
    NoticeKind.SUSPEND_FOR_UNPAID_COMMITMENT: SuspensionReason.UNPAID_COMMITMENT,
}
STATE_CHANGES = frozenset(
    {*SUSPENSIONS, NoticeKind.EXPIRE, NoticeKind.MARK_FOR_DEPROVISIONING, NoticeKind.TERMINATE}
)


class UsageFrequency(StrEnum):
    """How often the customer wants a usage notification besides the thresholds (seed 000:
    "periodic usage notifications (daily, weekly, or monthly)"); stored per enrollment."""

    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


@dataclass(frozen=True)
class CommitmentInvoiceFacts:
    """A monetary-commitment invoice of the partner: when it falls due and when it was paid."""

    issued_on: date
    due_on: date
    amount: Decimal
    paid_on: date | None = None


@dataclass(frozen=True, order=True)
class NoticeKey:
    """Identity of a notice: anchor is the term start, anniversary, overage month or status date;
    detail is the threshold percent, the days before the anniversary or the reminder number."""

    enrollment_number: str
    kind: NoticeKind
    anchor: date
    detail: int = 0

    def __str__(self) -> str:
        return f"{self.enrollment_number}:{self.kind.value}:{self.anchor.isoformat()}:{self.detail}"

    @classmethod
    def parse(cls, text: str) -> NoticeKey:
        """Read a key back from its string form (as stored in a unique column)."""
        number, kind, anchor, detail = text.split(":")
        return cls(number, NoticeKind(kind), date.fromisoformat(anchor), int(detail))


@dataclass(frozen=True)
class Notice:
    """One thing due: a message to send or a state change to apply, with its facts."""

    key: NoticeKey
    due_on: date
    message: str
    amount: Decimal | None = None
    pay_by: date | None = None

    @property
    def kind(self) -> NoticeKind:
        """The notice's kind, from its key."""
        return self.key.kind

    @property
    def is_state_change(self) -> bool:
        """Whether the job must change the enrollment (suspend, expire, deprovision)."""
        return self.key.kind in STATE_CHANGES

    @property
    def suspension_reason(self) -> SuspensionReason | None:
        """The reason to record when this notice suspends the enrollment."""
        return SUSPENSIONS.get(self.key.kind)


@dataclass(frozen=True)
class OverageSettlement:
    """The customer's answer to one month's overage: option chosen, and payment or offset."""

    month: date
    responded_on: date | None = None
    settled_on: date | None = None


@dataclass(frozen=True)
class EnrollmentFacts:
    """Everything the schedule needs about one enrollment, gathered once by the caller."""

    enrollment: Enrollment
    orders: tuple[CommitmentOrder, ...] = ()
    usage: tuple[UsageRecord, ...] = ()
    overage_settlements: tuple[OverageSettlement, ...] = ()
    renewed: bool = False
    commitment_invoices: tuple[CommitmentInvoiceFacts, ...] = ()
    usage_frequency: UsageFrequency | None = None

    def settlement(self, month: date) -> OverageSettlement:
        """The settlement recorded for `month`, or an empty one."""
        found = [s for s in self.overage_settlements if s.month == month]
        return found[0] if found else OverageSettlement(month)


@dataclass(frozen=True)
class Candidate:
    """A notice with the last day it is still worth sending."""

    notice: Notice
    last_day: date
