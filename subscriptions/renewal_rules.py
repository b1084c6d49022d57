"""R1, R3 and R5 as pure functions: facts in, a refusal (or a sentence) out.

R1 Scheduled changes (create-scheduled-changes): seats, term, billing frequency and the
plan (an upgrade of the SKU) of the next term can be scheduled on a live subscription
whose autorenew is on (Partner Center refuses a schedule without it); the renewal applies
them, and until then they can be withdrawn. The next term must be one the storefront
sells (a price of the plan for that term and billing), so the reminder can say what it
will cost. Another plan must be one Partner Center lists among the subscription's
transition eligibilities of type "scheduled" (the page's C# steps read them before
setting the instructions).

R3 End of term: Microsoft's subscription-lifecycle page (new commerce, 2023-08-04) says a
term ending with autorenew off leaves the subscription expired: 30 days in which its users
keep access and nothing is billed, then 90 days disabled (only admins reach the data), then
deleted; it cannot be reactivated.

R5 Suspend and resume (subscription-lifecycle, suspend-a-subscription): the provider
suspends an active subscription (users lose access, billing continues, autorenew goes off
and scheduled changes are removed) and can reactivate it only until its term ends.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from catalog.price_words import frequency_words, term_words
from subscriptions.rules import PERPETUAL, Facts, Refusal

TERMS = ("P1M", "P1Y", "P3Y")
CYCLES = ("monthly", "annual", "triennial")
REASON_MAX = 500
ENDED = ("cancelled", "deleted", "expired", "disabled")
LIFECYCLE_PAGE = "https://learn.microsoft.com/partner-center/subscription-lifecycle"
AT_TERM_END = (
    "With autorenew off, Microsoft does not renew it: at the end of its term Partner Center "
    "marks it expired. For 30 days its users keep access and nothing more is billed; then "
    "it is disabled for 90 days (only administrators reach the data) and then deleted. An "
    "expired subscription cannot be reactivated: turn autorenew on before the end date, or "
    "buy it again.")


def _in_words(term: str, cycle: str) -> str:
    return f"{term_words(term)}, {frequency_words(cycle)}"


@dataclass(frozen=True)
class NextTermChange:
    """What the next term should be: seats, term duration, billing frequency and, for a
    change of plan, the other plan's catalog item id ("" keeps this plan)."""

    quantity: int
    term_duration: str
    billing_cycle: str
    plan: str = ""
    plan_title: str = field(default="", compare=False)  # for the sentences only


def _r1(code: str, message: str) -> Refusal:
    return Refusal("R1", f"R1.{code}", message)


def check_schedule(facts: Facts, autorenew: bool, current: NextTermChange,
                   wanted: NextTermChange, sold: frozenset[tuple[str, str]]) -> Refusal | None:
    """R1: the first reason this next-term change cannot be scheduled."""
    if facts.family == PERPETUAL:
        return _r1("not_renewable", "Perpetual software does not renew.")
    if facts.status != "active":
        return _r1("not_active", f"This subscription is {facts.status}; only an active "
                                 "subscription's renewal can be planned.")
    if not autorenew:
        return _r1("autorenew_off", "Changes at renewal need autorenew: turn autorenew on "
                                    "first, then schedule the change.")
    return _check_term(facts, current, wanted, sold)


def _check_term(facts: Facts, current: NextTermChange, wanted: NextTermChange,
                sold: frozenset[tuple[str, str]]) -> Refusal | None:
    """The seats and the term/billing pair asked for."""
    if wanted.quantity < 1:
        return _r1("at_least_one_license", "Licenses at renewal: keep at least one, or turn "
                                           "autorenew off to let it end.")
    if facts.max_quantity is not None and wanted.quantity > facts.max_quantity:
        return _r1("over_maximum", f"Licenses at renewal: this plan allows at most "
                                   f"{facts.max_quantity:,} per subscription.")
    if (wanted.term_duration, wanted.billing_cycle) not in sold:
        offered = "; ".join(_in_words(t, c) for t, c in sorted(sold)) or "none"
        wanted_words = _in_words(wanted.term_duration, wanted.billing_cycle)
        return _r1("term_not_sold", f"Term and billing: {wanted_words} is not sold for this "
                                    f"plan; choose one of: {offered}.")
    if wanted == current:
        return _r1("nothing_to_change", "The next term would be the same as this one: change "
                                        "the licenses, the term or the billing.")
    return None


def check_plan(plan: str, eligible: frozenset[str]) -> Refusal | None:
    """R1/R4: another plan at renewal only when Partner Center lists it as eligible."""
    if not plan or plan in eligible:
        return None
    return _r1("plan_not_eligible", "Plan at renewal: choose one of the plans Partner Center "
                                    "lists for this subscription's renewal (Upgrade page).")


def check_withdraw(scheduled: dict | None) -> Refusal | None:
    """R1: only a scheduled change can be withdrawn."""
    if scheduled:
        return None
    return _r1("nothing_scheduled", "No change is scheduled for the next term.")


def check_suspend(status: str, reason: str) -> Refusal | None:
    """R5: an active subscription is suspended with a reason the buyer will read."""
    if status != "active":
        return Refusal("R5", "R5.not_active", f"This subscription is {status}; only an "
                                              "active subscription can be suspended.")
    if not reason.strip() or len(reason) > REASON_MAX:
        return Refusal("R5", "R5.reason_required", "Reason: say why it is suspended (the "
                                                   f"buyer sees it), at most {REASON_MAX} "
                                                   "characters.")
    return None


def check_resume(status: str, term_end: datetime | None, now: datetime) -> Refusal | None:
    """R5: a suspended subscription is reactivated only until its term ends."""
    if status != "suspended":
        return Refusal("R5", "R5.not_suspended", f"This subscription is {status}, not "
                                                 "suspended.")
    if term_end is not None and now >= term_end:
        return Refusal("R5", "R5.term_ended", "Its term ended while suspended: Microsoft "
                                              "allows reactivation only until the end date. "
                                              "Buy it again instead.")
    return None
