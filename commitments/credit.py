"""O4 credit check: before the contract, and again when a year's commitment grows past 150%.

Seed 000: "if the next year annual commitment amount is greater than 150% of previous year,
customer need to follow the same process for credit check one more time." Exactly 150% is
not greater, so it needs no new check; 150.01% does. The comparison is exact (Decimal).
The previous year's commitment is its annual (or initial) order, not additional orders.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from commitments.problems import Problem, problem

RULE = "O4"
GROWTH_LIMIT = Decimal("1.5")


@dataclass(frozen=True)
class CreditCheck:
    """The credit team's decision for the commitment of one year (1 before activation)."""

    year: int
    decided_on: date
    passed: bool


def credit_check_required(previous: Decimal, following: Decimal) -> bool:
    """Whether next year's commitment exceeds 150% of the previous year's."""
    return following > previous * GROWTH_LIMIT


def latest_check(checks: Iterable[CreditCheck], year: int, today: date) -> CreditCheck | None:
    """The most recent decision for `year` taken on or before today."""
    relevant = [c for c in checks if c.year == year and c.decided_on <= today]
    return max(relevant, key=lambda c: c.decided_on, default=None)


def credit_problems(checks: Iterable[CreditCheck], year: int, today: date) -> list[Problem]:
    """O4 problems when `year` needs a passed credit check and has none."""
    latest = latest_check(checks, year, today)
    if latest is None:
        message = f"A credit check for year {year}'s commitment must pass first."
        return [problem(RULE, "credit_check_required", message, "credit_check")]
    if not latest.passed:
        message = f"The credit check for year {year}'s commitment did not pass."
        return [problem(RULE, "credit_check_failed", message, "credit_check")]
    return []
