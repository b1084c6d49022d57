"""O2, O3, O5: settling a month's overage with a commitment order instead of paying it.

Seed 000: the customer receives the overage statement by the 6th of the following month and
answers by the 15th with a settlement option: "customers can pay overage directly and can
also submit annual order or additional order to offset overage". An offset:

- names an annual (O2) or additional (O3) order of the same enrollment placed on or after
  the overage month's statement: an order placed earlier already funded the usage of its
  own days, and the month's overage was invoiced without it;
- takes at most what the order has left: its amount less what earlier offsets took from it,
  and never more than its term's balance left today (usage has drawn the rest);
- takes at most the overage still open: the month's overage less earlier offsets;
- with no amount given, takes as much as both allow, so an order smaller than the overage
  offsets part of it and the rest stays payable.

It is recorded on the day it is entered and never back-dated: the months since the overage
are invoiced already, and an offset dated among them would change what they billed (B4).
The partner then credits the month's overage invoice by the amount (billing's credit note),
so the customer pays for that usage once, through the order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from commitments.balance import Offset, term_balance
from commitments.dunning import monthly_overage
from commitments.money import ZERO, format_rmb
from commitments.notices import EnrollmentFacts
from commitments.orders import CommitmentOrder, OrderKind
from commitments.problems import Problem, problem, refuse_if_any
from commitments.schedule import first_of_month, overage_timeline

ORDER_RULE, OVERAGE_RULE = "O3", "O5"
_OFFSETTING = frozenset({OrderKind.ANNUAL, OrderKind.ADDITIONAL})


@dataclass(frozen=True)
class OffsetRequest:
    """What the partner asked: offset `month`'s overage from the order `order_ref` (None: an
    order not of this enrollment), by `amount` or, when None, as much as can be."""

    month: date
    order_ref: int | None
    amount: Decimal | None = None


def open_overage(facts: EnrollmentFacts, month: date, today: date) -> Decimal:
    """The month's overage not yet offset (what is still payable on its invoice)."""
    overage = monthly_overage(facts, today).get(month, ZERO)
    return max(overage - facts.settlement(month).offset_by(today), ZERO)


def order_left(facts: EnrollmentFacts, order: CommitmentOrder, today: date) -> Decimal:
    """What an order can still fund: its amount less earlier offsets, within its term's
    balance left today."""
    taken = sum((o.amount for o in facts.offsets if o.order_ref == order.ref), start=ZERO)
    start, offsets = facts.enrollment.start, facts.offsets
    term = term_balance(start, facts.orders, facts.usage, order.year, today, offsets)
    return max(min(order.amount_excl_tax - taken, term.remaining), ZERO)


def _order_problems(order: CommitmentOrder | None, month: date) -> list[Problem]:
    if order is None:
        message = ("This order is not one of this enrollment's: choose an annual or "
                   "additional order of this enrollment.")
        return [problem(ORDER_RULE, "offset_order_of_another_enrollment", message, "order")]
    if order.kind not in _OFFSETTING:
        message = ("Only an annual or additional order can offset overage; place an "
                   "additional order for it.")
        return [problem(ORDER_RULE, "offset_order_not_annual_or_additional", message, "order")]
    statement_on = overage_timeline(month).statement_on
    if order.submitted_on < statement_on:
        message = (f"An order placed before the {month:%Y-%m} overage statement "
                   f"({statement_on.isoformat()}) already funded its own days; choose an "
                   "order placed on or after it.")
        return [problem(ORDER_RULE, "offset_order_before_statement", message, "order")]
    return []


def _amount_problems(amount: Decimal, open_: Decimal, left: Decimal) -> list[Problem]:
    found = []
    if amount <= ZERO:
        message = "An offset must be more than RMB 0.00; leave the amount empty to offset all."
        found.append(problem(OVERAGE_RULE, "offset_amount_not_positive", message, "amount"))
    if amount > open_:
        message = (f"The offset of {format_rmb(amount)} is more than the {format_rmb(open_)} "
                   "of this month's overage still open; offset at most that.")
        found.append(problem(OVERAGE_RULE, "offset_exceeds_open_overage", message, "amount"))
    if ZERO < left < amount:
        message = (f"The order has {format_rmb(left)} left to fund overage; offset at most "
                   "that and pay the rest.")
        found.append(problem(ORDER_RULE, "offset_exceeds_order_left", message, "amount"))
    return found


def offset_problems(facts: EnrollmentFacts, request: OffsetRequest, today: date) -> list[Problem]:
    """Every reason the offset cannot be recorded today, each naming its field and fix."""
    month = first_of_month(request.month)
    order = next((o for o in facts.orders if o.ref == request.order_ref), None)
    found = _order_problems(order, month)
    if found:
        return found
    open_, left = open_overage(facts, month, today), order_left(facts, order, today)
    if left <= ZERO:
        message = ("This order's commitment is used up (by usage or earlier offsets); "
                   "choose another order, or pay the overage invoice.")
        found.append(problem(ORDER_RULE, "offset_order_fully_used", message, "order"))
    if open_ <= ZERO:
        message = (f"No overage of {month:%Y-%m} is open to offset (none arose, or it is "
                   "offset already); choose a month with open overage.")
        return [*found, problem(OVERAGE_RULE, "no_open_overage", message, "month")]
    if request.amount is not None:
        found += _amount_problems(request.amount, open_, left)
    return found


def plan_offset(facts: EnrollmentFacts, request: OffsetRequest, today: date) -> Offset:
    """The offset to record today, or CommitmentRefused with every problem."""
    refuse_if_any(offset_problems(facts, request, today))
    month = first_of_month(request.month)
    order = next(o for o in facts.orders if o.ref == request.order_ref)
    amount = request.amount
    if amount is None:
        amount = min(open_overage(facts, month, today), order_left(facts, order, today))
    return Offset(month, order.ref, order.year, amount, today)
