"""K10 Azure Reservations markets: no reservations for customers in the blocked markets.

Microsoft does not sell Azure Reservations in the markets listed in seed 004 (Aland
Islands ... Yemen). The list is data the admin can change (ctx.reservation_blocked_markets,
seeded from config/data/k10_reservation_blocked_markets.json); the customer's billing
country decides the market.
"""

from __future__ import annotations

from checkout.context import CheckoutContext, LineFacts
from checkout.problems import Problem

RULE = "K10"


def check(ctx: CheckoutContext) -> list[Problem]:
    """A problem for each reservation line when the customer's market is blocked."""
    country = ctx.customer.country.strip().upper()
    if country not in ctx.reservation_blocked_markets:
        return []
    return [_problem(ctx, line, country) for line in ctx.lines
            if line.family == "azure_reservation"]


def _problem(ctx: CheckoutContext, line: LineFacts, country: str) -> Problem:
    message = (f"{line.title} cannot be sold to this customer: Microsoft does not offer Azure "
               f"Reservations in their market ({country}). Remove the line; pay-as-you-go "
               "Azure usage remains available.")
    return Problem(RULE, f"{RULE}.reservations_unavailable_in_market", message, "country",
                   None, line.index)
