"""C2 Billing cycles and terms: a line's billing cycle must fit its term.

The term (P1M, P1Y, P3Y) is how long the customer commits; the billing cycle is how often
they pay. A cycle can never be longer than the term (Partner Center error 900270): a
1-month term is billed monthly, a 1-year term monthly or annually, a 3-year term
monthly, annually or triennially. One-time purchases (reservations, perpetual software)
are paid once, whatever their term; every recurring cycle needs a term.
"""

from __future__ import annotations

from checkout.context import CheckoutContext, LineFacts
from checkout.problems import Problem

RULE = "C2"

ALLOWED_CYCLES = {
    "P1M": frozenset({"monthly", "one_time"}),
    "P1Y": frozenset({"monthly", "annual", "one_time"}),
    "P3Y": frozenset({"monthly", "annual", "triennial", "one_time"}),
    None: frozenset({"one_time"}),
}
TERM_NAMES = {"P1M": "1-month", "P1Y": "1-year", "P3Y": "3-year", None: "missing"}


def check(ctx: CheckoutContext) -> list[Problem]:
    """A problem for each line billed on a cycle longer than its term."""
    return [_problem(line) for line in ctx.lines
            if line.billing_cycle not in ALLOWED_CYCLES[line.term_duration]]


def _problem(line: LineFacts) -> Problem:
    term = TERM_NAMES[line.term_duration]
    allowed = ", ".join(sorted(ALLOWED_CYCLES[line.term_duration] - {"one_time"})) or "none"
    message = (f"{line.title} cannot be billed {line.billing_cycle} on a {term} term. "
               f"Choose a billing cycle this term allows ({allowed}) or a longer term.")
    return Problem(RULE, f"{RULE}.billing_cycle_exceeds_term", message, "billing_cycle",
                   None, line.index)
