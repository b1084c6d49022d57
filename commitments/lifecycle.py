"""Enrollment status machine: draft -> credit_check -> active -> suspended/terminated/expired.

O1 and O4: activation needs the four documents signed, a year 1 commitment of at least
RMB 50,000 and a passed credit check. O8: suspension and termination stop service; data is
kept 90 days, then deprovisioned; only the provider reactivates, after a payment or a new
order. An expired enrollment is never reactivated: the customer signs a renewal (O9).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date

from commitments.credit import CreditCheck, credit_problems
from commitments.enrollment import Actor, Enrollment, Status, SuspensionReason
from commitments.orders import MINIMUM_INITIAL_COMMITMENT, CommitmentOrder, annual_amount
from commitments.problems import Problem, problem, refuse_if_any
from commitments.schedule import deprovision_date

ALLOWED_TRANSITIONS: Mapping[Status, frozenset[Status]] = {
    Status.DRAFT: frozenset({Status.CREDIT_CHECK}),
    Status.CREDIT_CHECK: frozenset({Status.DRAFT, Status.ACTIVE}),
    Status.ACTIVE: frozenset({Status.SUSPENDED, Status.TERMINATED, Status.EXPIRED}),
    Status.SUSPENDED: frozenset({Status.ACTIVE, Status.TERMINATED, Status.EXPIRED}),
    Status.TERMINATED: frozenset({Status.ACTIVE}),
    Status.EXPIRED: frozenset(),
}
STOPPED = frozenset({Status.SUSPENDED, Status.TERMINATED, Status.EXPIRED})


def allowed_transitions(status: Status) -> frozenset[Status]:
    """The statuses an enrollment in `status` may move to."""
    return ALLOWED_TRANSITIONS[status]


def check_transition(current: Status, target: Status) -> list[Problem]:
    """O8.illegal_status_transition when `current` may not move to `target`."""
    if target in ALLOWED_TRANSITIONS[current]:
        return []
    message = f"An enrollment cannot go from {current.value} to {target.value}."
    return [problem("O8", "illegal_status_transition", message, "status")]


def _move(
    enrollment: Enrollment, target: Status, on: date, reason: SuspensionReason | None = None
) -> Enrollment:
    refuse_if_any(check_transition(enrollment.status, target))
    return replace(enrollment, status=target, status_since=on, suspension_reason=reason)


def submit_for_credit_check(enrollment: Enrollment, on: date) -> Enrollment:
    """Send a draft to the credit team (O4: the check precedes the contract)."""
    return _move(enrollment, Status.CREDIT_CHECK, on)


def return_to_draft(enrollment: Enrollment, on: date) -> Enrollment:
    """Take an enrollment back from the credit check, e.g. to change the commitment."""
    return _move(enrollment, Status.DRAFT, on)


def _initial_commitment_problems(orders: Sequence[CommitmentOrder]) -> list[Problem]:
    amount = annual_amount(orders, 1)
    if amount is not None and amount >= MINIMUM_INITIAL_COMMITMENT:
        return []
    message = "Activation needs a year 1 commitment order of at least RMB 50,000.00."
    return [problem("O1", "missing_initial_commitment", message, "amount_excl_tax")]


def activation_problems(
    enrollment: Enrollment,
    orders: Sequence[CommitmentOrder],
    credit_checks: Sequence[CreditCheck],
    today: date,
) -> list[Problem]:
    """Every reason `enrollment` cannot become active today (O1, O4, O8)."""
    found = check_transition(enrollment.status, Status.ACTIVE)
    for document in enrollment.unsigned_documents():
        message = f"The {document.value.replace('_', ' ')} must be signed."
        found.append(problem("O1", "document_unsigned", message, document.value))
    found += _initial_commitment_problems(orders)
    return found + credit_problems(credit_checks, 1, today)


def activate(
    enrollment: Enrollment,
    orders: Sequence[CommitmentOrder],
    credit_checks: Sequence[CreditCheck],
    today: date,
) -> Enrollment:
    """Make the enrollment active, or raise CommitmentRefused with every missing condition."""
    refuse_if_any(activation_problems(enrollment, orders, credit_checks, today))
    return replace(enrollment, status=Status.ACTIVE, status_since=today)


def suspend(enrollment: Enrollment, reason: SuspensionReason, on: date) -> Enrollment:
    """Suspend all services for unpaid overage or a missing annual order (O8)."""
    return _move(enrollment, Status.SUSPENDED, on, reason)


def terminate(enrollment: Enrollment, on: date) -> Enrollment:
    """Terminate the agreement, e.g. after dunning for non-payment (O8)."""
    return _move(enrollment, Status.TERMINATED, on)


def expire(enrollment: Enrollment, on: date) -> Enrollment:
    """End the agreement once its service end has passed (O8, O9)."""
    return _move(enrollment, Status.EXPIRED, on)


def reactivation_problems(
    enrollment: Enrollment, actor: Actor, resolved_on: date | None, today: date
) -> list[Problem]:
    """Why the enrollment cannot be reactivated: wrong actor, no payment or order, bad status."""
    found = check_transition(enrollment.status, Status.ACTIVE)
    if enrollment.status not in STOPPED:
        return found
    if actor is not Actor.PROVIDER:
        message = "Only the provider can reactivate an enrollment."
        found.append(problem("O8", "reactivation_by_provider_only", message))
    if resolved_on is None or resolved_on > today:
        message = "Reactivation needs the overdue payment or a new order first."
        found.append(problem("O8", "reactivation_needs_payment_or_order", message))
    return found


def reactivate(
    enrollment: Enrollment, actor: Actor, resolved_on: date | None, today: date
) -> Enrollment:
    """Bring a suspended or terminated enrollment back (O8); data survives only 90 days."""
    refuse_if_any(reactivation_problems(enrollment, actor, resolved_on, today))
    return replace(enrollment, status=Status.ACTIVE, status_since=today, suspension_reason=None)


def deprovision_on(enrollment: Enrollment) -> date | None:
    """The day a stopped enrollment's data is deprovisioned, None while it is running."""
    if enrollment.status not in STOPPED or enrollment.status_since is None:
        return None
    return deprovision_date(enrollment.status_since)


def data_retained(enrollment: Enrollment, today: date) -> bool:
    """Whether the customer's data still exists (always, unless stopped for 90 days)."""
    cutoff = deprovision_on(enrollment)
    return cutoff is None or today < cutoff
