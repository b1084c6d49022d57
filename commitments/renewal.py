"""O9: the renewal enrollment, signed as a new three-year agreement.

Seed 000: "the new enrollment Start Date should be 1 day after the prior enrollment expires.
All EA Administrators, accounts, departments, subscriptions etc. from the prior enrollment may
be auto transferred to the new renewal enrollment which will not impact customer deployment
and service." The renewal is a new draft (its package is signed and its credit checked like
any agreement, O1, O4). An enrollment is renewed once; one never activated has nothing to
renew, and a terminated one has ended: the customer signs a new agreement instead.
"""

from __future__ import annotations

from commitments.enrollment import Enrollment, Status
from commitments.problems import Problem, problem

RULE = "O9"
_RENEWABLE = frozenset({Status.ACTIVE, Status.SUSPENDED, Status.EXPIRED})


def renewal_problems(previous: Enrollment, renewed: bool) -> list[Problem]:
    """Why `previous` cannot be renewed now: already renewed, never started, or terminated."""
    if renewed:
        message = f"{previous.number} already has its renewal enrollment."
        return [problem(RULE, "already_renewed", message)]
    if previous.status not in _RENEWABLE:
        message = (f"A {previous.status.value.replace('_', ' ')} enrollment cannot be renewed; "
                   "renew an active, suspended or expired one.")
        return [problem(RULE, "not_renewable", message, "status")]
    return []
