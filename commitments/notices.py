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

from commitments.balance import Offset, UsageRecord
from commitments.enrollment import Enrollment, SuspensionReason
from commitments.invoice_balance import InvoiceFacts
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
    """A monetary-commitment invoice of the partner: when it falls due, when it was paid (or
    credited in full by credit notes: settled either way), and the invoice with what payments
    and credit notes took off it (O8: what is left is what the dunning asks for)."""

    issued_on: date
    due_on: date
    amount: Decimal
    paid_on: date | None = None
    invoice: InvoiceFacts | None = None

    def due_net(self, day: date) -> Decimal:
        """What is left of it on `day`, net of tax: the invoice's balance once known
        (InvoiceFacts.due_net), else the whole amount."""
        return self.invoice.due_net(day) if self.invoice is not None else self.amount


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


class SettlementOption(StrEnum):
    """How the customer settles a month's overage (seed 000: "customers can pay overage
    directly and can also submit annual order or additional order to offset overage")."""

    PAY = "pay"
    OFFSET = "offset"


@dataclass(frozen=True)
class OverageSettlement:
    """The customer's answer to one month's overage: the option chosen, when it answered,
    when the invoice was paid (settled_on), the offsets recorded against it (O3, O8) and the
    month's overage invoice once issued."""

    month: date
    responded_on: date | None = None
    settled_on: date | None = None
    option: SettlementOption | None = None
    offsets: tuple[Offset, ...] = ()
    invoice: InvoiceFacts | None = None

    def still_due(self, amount: Decimal, day: date) -> Decimal:
        """What of the month's `amount` of overage is neither paid nor offset on `day`, net
        of tax: its invoice's balance once issued (payments lower it as credit notes do),
        before that the amount less offsets (O3, O8)."""
        if self.invoice is None:
            return amount - self.offset_by(day)
        return self.invoice.due_net(day)

    def offset_by(self, day: date) -> Decimal:
        """What offsets recorded by `day` took off the month's overage."""
        return sum((o.amount for o in self.offsets if o.offset_on <= day), start=Decimal(0))

    def _covered_on(self, amount: Decimal) -> date | None:
        """The day the offsets came to cover `amount` in full, or None."""
        total = Decimal(0)
        for offset in sorted(self.offsets, key=lambda o: o.offset_on):
            total += offset.amount
            if total >= amount:
                return offset.offset_on
        return None

    def settled_by(self, amount: Decimal) -> date | None:
        """The day a month of `amount` overage counts as settled: the day it was paid, or
        the day offsets covered it all, whichever came first (O8)."""
        days = (self.settled_on, self._covered_on(amount))
        return min((d for d in days if d is not None), default=None)

    @property
    def answered_on(self) -> date | None:
        """The customer's first answer: a recorded answer, a payment or an offset."""
        days = (self.responded_on, self.settled_on, *(o.offset_on for o in self.offsets))
        return min((d for d in days if d is not None), default=None)


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

    @property
    def offsets(self) -> tuple[Offset, ...]:
        """Every overage offset recorded, of any month (they consume their orders' terms)."""
        return tuple(o for s in self.overage_settlements for o in s.offsets)

    def settlement(self, month: date) -> OverageSettlement:
        """The settlement recorded for `month`, or an empty one."""
        found = [s for s in self.overage_settlements if s.month == month]
        return found[0] if found else OverageSettlement(month)


@dataclass(frozen=True)
class Candidate:
    """A notice with the last day it is still worth sending."""

    notice: Notice
    last_day: date
