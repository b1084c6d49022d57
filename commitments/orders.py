"""Monetary commitment orders: the initial order (O1), annual true-up/down (O2), additional (O3).

O1: year 1 needs at least RMB 50,000 excluding tax (RMB 49,999.99 is refused).
O2: the year 2 and year 3 orders are accepted from 60 to 30 days before the anniversary,
both days included (seed: "Annual Order must be submitted between 60 days to 30 days prior to
the Agreement Anniversary"; the deadline is "30 days before Agreement Anniversary"). After the
deadline only the provider may enter the order, while the payment advice is outstanding
("If customer signed the Order Form back before payment due date, process the Annual Order as
per normal"; an order entered on the due date, before the daily job suspends, still counts)
or to reactivate an enrollment suspended for the missing order.
A true-down to zero needs a recorded special approval.
O3: additional orders may be placed at any time while the enrollment is active or suspended.
O4: an annual order above 150% of the previous year's commitment needs a passed credit check.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from commitments.credit import CreditCheck, credit_check_required, credit_problems
from commitments.enrollment import Actor, Enrollment, Status, SuspensionReason, term_year
from commitments.money import ZERO, format_rmb, to_money
from commitments.problems import Problem, problem, refuse_if_any
from commitments.schedule import annual_order_timeline, annual_order_window

MINIMUM_INITIAL_COMMITMENT = Decimal("50000.00")
_ORDERING = frozenset({Status.ACTIVE, Status.SUSPENDED})
_BEFORE_ACTIVATION = frozenset({Status.DRAFT, Status.CREDIT_CHECK})


class OrderKind(StrEnum):
    """Initial (year 1), annual (years 2 and 3) or additional (any time) commitment."""

    INITIAL = "initial"
    ANNUAL = "annual"
    ADDITIONAL = "additional"


@dataclass(frozen=True)
class Approval:
    """The special approval a true-down to zero amendment needs."""

    approved_by: str
    approved_on: date


@dataclass(frozen=True)
class CommitmentOrder:
    """An order funding commitment year `year` with an amount excluding tax."""

    kind: OrderKind
    year: int
    amount_excl_tax: Decimal
    submitted_on: date
    approval: Approval | None = None
    # The stored order's id, so an overage offset can name the order it draws on (O3, O5);
    # two orders alike in every figure stay two orders, so it takes no part in equality.
    ref: int | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount_excl_tax", to_money(self.amount_excl_tax))


def annual_amount(orders: Sequence[CommitmentOrder], year: int) -> Decimal | None:
    """The yearly commitment of `year`: its initial or annual order, None if not placed."""
    kind = OrderKind.INITIAL if year == 1 else OrderKind.ANNUAL
    amounts = [o.amount_excl_tax for o in orders if o.kind is kind and o.year == year]
    return amounts[0] if amounts else None


def funded(orders: Sequence[CommitmentOrder], year: int, as_of: date) -> Decimal:
    """Everything ordered for `year` by `as_of`: the yearly order plus additional orders."""
    return sum(
        (o.amount_excl_tax for o in orders if o.year == year and o.submitted_on <= as_of),
        start=ZERO,
    )


def _initial_problems(
    enrollment: Enrollment, order: CommitmentOrder, existing: Sequence[CommitmentOrder]
) -> list[Problem]:
    found = []
    if enrollment.status not in _BEFORE_ACTIVATION:
        message = "The initial commitment is ordered before the enrollment is activated."
        found.append(problem("O1", "initial_order_after_activation", message))
    if order.year != 1:
        found.append(problem("O1", "initial_order_not_year_1", "The initial order is year 1."))
    if annual_amount(existing, 1) is not None:
        message = "This enrollment already has its initial commitment order."
        found.append(problem("O1", "initial_order_already_placed", message))
    if order.amount_excl_tax < MINIMUM_INITIAL_COMMITMENT:
        message = (
            f"The year 1 commitment must be at least {format_rmb(MINIMUM_INITIAL_COMMITMENT)}"
            f" excluding tax; {format_rmb(order.amount_excl_tax)} was entered."
        )
        found.append(problem("O1", "below_minimum_commitment", message, "amount_excl_tax"))
    return found


def _late_order_allowed(enrollment: Enrollment, order: CommitmentOrder, actor: Actor) -> bool:
    """A provider may enter a late order before the advice falls due, or to reactivate."""
    if actor is not Actor.PROVIDER:
        return False
    due_on = annual_order_timeline(enrollment.anniversary(order.year - 1)).advice.due_on
    reactivating = enrollment.suspension_reason is SuspensionReason.MISSING_ANNUAL_ORDER
    return order.submitted_on <= due_on or reactivating


def _window_problems(enrollment: Enrollment, order: CommitmentOrder, actor: Actor) -> list[Problem]:
    opens, closes = annual_order_window(enrollment.anniversary(order.year - 1))
    if order.submitted_on < opens:
        message = f"The year {order.year} order can be submitted from {opens.isoformat()}."
        return [problem("O2", "annual_order_too_early", message, "submitted_on")]
    if order.submitted_on > closes and not _late_order_allowed(enrollment, order, actor):
        message = f"The year {order.year} order had to be submitted by {closes.isoformat()}."
        return [problem("O2", "annual_order_window_closed", message, "submitted_on")]
    return []


def _amount_problems(order: CommitmentOrder) -> list[Problem]:
    if order.amount_excl_tax < ZERO:
        message = "A commitment cannot be negative."
        return [problem("O2", "negative_commitment", message, "amount_excl_tax")]
    if order.amount_excl_tax == ZERO and order.approval is None:
        message = "A true-down to zero needs a recorded special approval."
        return [problem("O2", "true_down_to_zero_needs_approval", message, "approval")]
    return []


def _annual_problems(
    enrollment: Enrollment,
    order: CommitmentOrder,
    existing: Sequence[CommitmentOrder],
    checks: Sequence[CreditCheck],
    actor: Actor,
) -> list[Problem]:
    if order.year not in (2, 3):
        message = "Annual orders are for years 2 and 3."
        return [problem("O2", "annual_order_not_year_2_or_3", message, "year")]
    found = []
    if enrollment.status not in _ORDERING:
        found.append(problem("O2", "enrollment_not_active", "The enrollment is not active."))
    if annual_amount(existing, order.year) is not None:
        message = f"Year {order.year} already has its annual order."
        found.append(problem("O2", "annual_order_already_placed", message))
    found += _window_problems(enrollment, order, actor) + _amount_problems(order)
    previous = annual_amount(existing, order.year - 1) or ZERO
    if credit_check_required(previous, order.amount_excl_tax):
        found += credit_problems(checks, order.year, order.submitted_on)
    return found


def _additional_problems(enrollment: Enrollment, order: CommitmentOrder) -> list[Problem]:
    found = []
    if enrollment.status not in _ORDERING:
        found.append(problem("O3", "enrollment_not_active", "The enrollment is not active."))
    if term_year(enrollment.start, order.submitted_on) != order.year:
        message = "An additional order funds the commitment year in which it is placed."
        found.append(problem("O3", "outside_commitment_year", message, "year"))
    if order.amount_excl_tax <= ZERO:
        message = "An additional order must be for more than RMB 0.00."
        found.append(problem("O3", "amount_not_positive", message, "amount_excl_tax"))
    return found


def check_order(
    enrollment: Enrollment,
    order: CommitmentOrder,
    existing: Sequence[CommitmentOrder] = (),
    credit_checks: Sequence[CreditCheck] = (),
    actor: Actor = Actor.RESELLER,
) -> list[Problem]:
    """Every O1-O4 problem with placing `order` on `enrollment` given the orders already placed."""
    if order.kind is OrderKind.INITIAL:
        return _initial_problems(enrollment, order, existing)
    if order.kind is OrderKind.ANNUAL:
        return _annual_problems(enrollment, order, existing, credit_checks, actor)
    return _additional_problems(enrollment, order)


def place_order(
    enrollment: Enrollment,
    order: CommitmentOrder,
    existing: Sequence[CommitmentOrder] = (),
    credit_checks: Sequence[CreditCheck] = (),
    actor: Actor = Actor.RESELLER,
) -> CommitmentOrder:
    """Return the order when it may be placed; raise CommitmentRefused with every problem."""
    refuse_if_any(check_order(enrollment, order, existing, credit_checks, actor))
    return order
