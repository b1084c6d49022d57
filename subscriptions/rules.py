"""The after-purchase rules S1–S7 as pure functions: facts in, a refusal or a number out.

No database, no Flask, no connector: the service gathers the facts and raises what these
return. Each `check_*` answers None when the action is allowed, else a `Refusal` whose code
(`S3.cancellation_window_closed`, ...) is what pages and the API show and tests assert.

Refunds (S3, B3) follow Microsoft's new commerce rule
(https://learn.microsoft.com/en-us/partner-center/billing/common-billing-scenarios-onetime-recurring,
"How are the refunds calculated if I cancel a subscription within seven days"): what was
charged is the current charge cycle (a month, or a year for annual billing), so that is
what is refunded: in full within 24 hours of the purchase or renewal, else for the unused
days, from the day of the cancellation to the cycle's last day, both included, at the
unit price ÷ the cycle's days (persistence.money). Whole days keep the figure the page
quotes the same all day, and the credit on the invoice is this same figure. A co-termed
subscription's shortened first term (R6) is one cycle at its prorated price
(persistence.money.cycle_on): its credit never exceeds what it was charged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from persistence.money import charge_amount, cycle_on

CANCEL_WINDOW = timedelta(hours=168)  # S3: 7 days of any term
# A renewal moves a term's end on by a whole term, a month at least. An end moved by a day
# or less is the same term: a row mirrored before `term_end` meant the instant the term is
# over (connectors.partner_center.commerce_types.Subscription) still holds Microsoft's last
# day, and its next sync moves it on (not a renewal; not a new term to remind of, R2).
SAME_TERM = timedelta(days=1)
FULL_REFUND = timedelta(hours=24)  # S3: a cancellation this soon gives the whole cycle back
PERPETUAL_WINDOW = timedelta(days=30)  # S6: from purchase
PERPETUAL = "perpetual_software"
# A software subscription's seats are fixed for its term: Partner Center allows no seat
# reduction (answers 400/800090), only a cancellation within 7 days (S3); docs "Software
# subscriptions" (csp-software-subscriptions).
SOFTWARE_SUBSCRIPTION = "software_subscription"
# An Azure plan has no term and no licenses: one per customer (K12), free itself, its
# Azure subscriptions' usage billed monthly ("Create an Azure plan",
# https://learn.microsoft.com/en-us/partner-center/developer/create-azure-plan).
AZURE_PLAN = "azure_plan"
NO_TERM = (PERPETUAL, AZURE_PLAN)  # nothing renews: no autorenew, no renewal panel
TERM_MONTHS = {"P1M": 1, "P1Y": 12, "P3Y": 36}
CYCLE_MONTHS = {"monthly": 1, "annual": 12, "triennial": 36}


@dataclass(frozen=True)
class Refusal:
    """Why an action is not allowed; `until` is the moment a window closed, if any."""

    rule: str
    code: str
    message: str
    until: datetime | None = None


@dataclass(frozen=True)
class Facts:
    """What the rules need to know about one subscription."""

    family: str
    cancellable: bool
    status: str
    purchased_at: datetime
    term_start: datetime
    max_quantity: int | None = None  # the plan's most licenses per subscription
    # Partner Center's refundableQuantity: (seats, removable until) per purchase, renewal
    # or mid-term addition; None when not known yet (then the term's window applies).
    refundable: tuple[tuple[int, datetime], ...] | None = None
    # S3: Partner Center's cancellationAllowedUntilDate as last mirrored, if it reported one.
    cancel_until: datetime | None = None


def _active(facts: Facts, rule: str) -> Refusal | None:
    """Only a live subscription can be changed."""
    if facts.status in ("deleted", "cancelled", "expired", "disabled"):
        return Refusal(rule, f"{rule}.not_active", f"This subscription is {facts.status}.")
    return None


SUSPENDED = Refusal("R5", "R5.suspended", "This subscription is suspended by the provider, "
                    "which switched autorenew off: autorenew can be switched on once the "
                    "provider reactivates it.")


def check_autorenew(facts: Facts, on: bool = True) -> Refusal | None:
    """S1: autorenew is on by default and can be switched on a live recurring subscription;
    R5: not while suspended (suspending switches it off and Partner Center refuses updates of
    a suspended subscription, 800091), only once the provider has reactivated it."""
    if facts.family == PERPETUAL:
        return Refusal("S1", "S1.not_renewable", "Perpetual software does not renew.")
    if facts.family == AZURE_PLAN:
        return Refusal("S1", "S1.not_renewable", "An Azure plan has no term, so nothing "
                       "renews: it runs until it is cancelled (K12).")
    if on and facts.status == "suspended":
        return SUSPENDED
    return _active(facts, "S1")


def check_add_licenses(facts: Facts) -> Refusal | None:
    """S2 (with C3/C4): licenses can be added any time, even to a discontinued plan."""
    if facts.family == PERPETUAL:
        return Refusal("S2", "S2.perpetual_quantity_fixed",
                       "Buy perpetual software again instead of adding licenses.")
    if facts.family == AZURE_PLAN:
        return Refusal("S2", "S2.azure_plan_has_no_licenses",
                       "An Azure plan has no licenses to add or remove: a customer holds "
                       "one, and its Azure subscriptions are billed by usage (K12).")
    return _active(facts, "S2")


def check_remove_licenses(facts: Facts, current: int, wanted: int,
                          now: datetime) -> Refusal | None:
    """S2: licenses can be removed only within 7 days of being added (at purchase, renewal
    or mid-term): as many as Partner Center still reports refundable, else, before it has
    reported, those of a term that began less than 168 hours ago."""
    refusal = check_add_licenses(facts)
    if refusal or wanted >= current:
        return refusal
    if wanted < 1:
        return Refusal("S2", "S2.at_least_one_license",
                       "Keep at least one license, or cancel the subscription.")
    if facts.family == SOFTWARE_SUBSCRIPTION:
        return Refusal("S2", "S2.software_no_reduction",
                       "Licenses of a software subscription cannot be removed: Partner "
                       "Center allows no reduction. Cancel it instead, within 7 days of its "
                       "purchase or renewal (S3).")
    allowed = removable(facts, now)
    if allowed.seats is None or current - wanted <= allowed.seats:
        return None
    if facts.refundable is None:
        closes = facts.term_start + CANCEL_WINDOW
        return Refusal("S2", "S2.reduction_window_closed",
                       "Licenses can be removed only within 7 days of the term's start; "
                       f"that window closed on {closes:%Y-%m-%d %H:%M} UTC.", closes)
    if not allowed.seats:
        return Refusal("S2", "S2.reduction_window_closed",
                       "Licenses can be removed only within 7 days of being added (at "
                       "purchase, renewal or later); none of these licenses is that recent.")
    return Refusal("S2", "S2.reduction_window_closed",
                   f"Only {allowed.seats} of these licenses were added in the last 7 days, so "
                   f"at most {allowed.seats} can be removed (until "
                   f"{allowed.until:%Y-%m-%d %H:%M} UTC).", allowed.until)


@dataclass(frozen=True)
class Removal:
    """S2 now: how many licenses may be removed (None: any, before Partner Center has
    reported what is refundable) and until when; no `until` when none may be."""

    seats: int | None
    until: datetime | None
    # Partner Center's tranches still open, soonest closing first: (seats, until) each.
    windows: tuple[tuple[int, datetime], ...] = ()


def removable(facts: Facts, now: datetime) -> Removal:
    """What S2 allows now: the refundable seats still inside their own 7-day windows, or,
    before Partner Center has reported them, any while the term's window is open. The
    subscription page states it, and check_remove_licenses refuses beyond it. A software
    subscription never has any (SOFTWARE_SUBSCRIPTION)."""
    if facts.family == SOFTWARE_SUBSCRIPTION:
        return Removal(0, None)
    if facts.refundable is not None:
        open_ = sorted(((seats, until) for seats, until in facts.refundable if until >= now),
                       key=lambda window: window[1])
        if not open_:
            return Removal(0, None)
        return Removal(sum(seats for seats, _ in open_), open_[0][1], tuple(open_))
    closes = facts.term_start + CANCEL_WINDOW
    return Removal(None, closes) if now <= closes else Removal(0, None)


def check_increase_is_an_order(current: int, wanted: int) -> Refusal | None:
    """S2/C3/C4: licenses are added only by an order, which runs every checkout rule; a
    direct change of the count may only lower it."""
    if wanted <= current:
        return None
    return Refusal("S2", "S2.increase_is_an_order",
                   f"Licenses are added by an order, which runs the checkout rules: order "
                   f"{wanted - current} more for this subscription (POST /api/v1/orders with "
                   "add_to_subscription_id, or Add licenses on its page).")


def check_standing(current: int, wanted: int,
                   deactivated: tuple[str, str] | None) -> Refusal | None:
    """K9: no licence is added, whoever asks (the provider's admin too), while the provider
    has deactivated the company the customer buys through: `deactivated` is its code and
    name (None when it stands). Removing licences stays allowed."""
    if wanted <= current or deactivated is None:
        return None
    code, name = deactivated
    return Refusal("K9", code, f"No licences are added: {name} is deactivated by the "
                   f"provider, so its orders are not sent to Partner Center ({code}). "
                   f"Reactivate {name} first, then add the licences.")


def check_most(facts: Facts, wanted: int) -> Refusal | None:
    """S2: a subscription holds at most the plan's maximum number of licenses."""
    if facts.max_quantity is not None and wanted > facts.max_quantity:
        return Refusal("S2", "S2.over_maximum", "This plan allows at most "
                       f"{facts.max_quantity:,} licenses per subscription.")
    return None


def check_may_cancel(admin_agent: bool) -> Refusal | None:
    """S4: only users holding the admin-agent permission may cancel."""
    if admin_agent:
        return None
    return Refusal("S4", "S4.admin_agent_required",
                   "Only users with the admin-agent permission can cancel subscriptions. "
                   "Ask your provider's administrator to grant it.")


def check_cancellable(facts: Facts) -> Refusal | None:
    """S5: RedHat and SUSE plans are never cancelled (nor exchanged). An Azure plan is not
    cancelled online either: Partner Center's API cancels its Azure subscriptions one by
    one, never the plan ("Cancel an Azure subscription",
    https://learn.microsoft.com/en-us/partner-center/developer/cancel-an-azure-subscription)."""
    if facts.cancellable:
        return None
    if facts.family == AZURE_PLAN:  # its own code: S5 names RedHat and SUSE plans
        return Refusal("S5", "S5.azure_plan_not_cancellable",
                       "An Azure plan is not cancelled online: Partner Center cancels its "
                       "Azure subscriptions one by one, never the plan itself.")
    return Refusal("S5", "S5.never_cancellable",
                   "This plan (RedHat or SUSE) can never be cancelled or exchanged.")


def cancel_closes(term_start: datetime, reported: datetime | None) -> datetime:
    """S3: when this term's cancellation window closes. Partner Center's
    cancellationAllowedUntilDate ("the last date that the partner can cancel their
    subscription for the given term", subscription-resources) when it reported one for
    this term (a date from an earlier term is before this one's start); else 168 hours from
    the term's start, which a renewal (00:00 UTC after the last day) restarts."""
    if reported is not None and reported > term_start:
        return reported
    return term_start + CANCEL_WINDOW


def check_cancel_window(facts: Facts, now: datetime) -> Refusal | None:
    """S3 (S6 for perpetual software): cancel only inside the window; give its closing date."""
    if facts.family == PERPETUAL:
        closes, rule, code = facts.purchased_at + PERPETUAL_WINDOW, "S6", "S6.credit_window_closed"
        what, open_ = "30 days of purchase", now <= closes  # day 30 is still inside
    else:
        closes = cancel_closes(facts.term_start, facts.cancel_until)
        rule, code = "S3", "S3.cancellation_window_closed"
        # Within 168 hours: at 167 h 59 m one may still cancel; at 168 h the time is up.
        what, open_ = "the first 7 days (168 hours) of the term", now < closes
    if open_:
        return None
    return Refusal(rule, code, f"Cancellation is allowed only within {what}; that window "
                               f"closed on {closes:%Y-%m-%d %H:%M} UTC. The full term is billed.",
                   closes)


def check_cancel(facts: Facts, admin_agent: bool, now: datetime) -> Refusal | None:
    """S4, S5, then S3/S6: the first reason a cancellation is refused."""
    return (check_may_cancel(admin_agent) or check_cancellable(facts)
            or _active(facts, "S6" if facts.family == PERPETUAL else "S3")
            or check_cancel_window(facts, now))


def check_may_reveal(admin_agent: bool) -> Refusal | None:
    """S7: product keys and download links are shown only to admin-agent users."""
    if admin_agent:
        return None
    return Refusal("S7", "S7.admin_agent_required",
                   "Only users with the admin-agent permission can see keys and downloads.")


def cycle_months(billing_cycle: str) -> int:
    """Months in one charge cycle of this billing plan (monthly 1, annual 12, triennial 36)."""
    return CYCLE_MONTHS.get(billing_cycle, 1)


@dataclass(frozen=True)
class Credit:
    """What a cancellation gives back (S3, S6): one credit line, as the invoice shows it."""

    amount: Decimal  # positive: the refund the page promises and the invoice credits
    unit_price: Decimal
    effective_unit_price: Decimal
    quantity: int
    period_start: date
    period_end: date


def cancellation_refund(unit_price: Decimal, quantity: int, billing_cycle: str,
                        purchased_on: date, term_start: datetime, now: datetime,
                        currency: str, *, term_months: int | None = None,
                        custom_end: date | None = None,
                        charged_from: date | None = None) -> Credit:
    """S3: the current charge cycle back, in full within 24 hours of the term's start, else
    for its unused days from today's date to the cycle's end. A co-termed first term (R6,
    `custom_end`) is the cycle: what it charged is what can come back, never more; so is
    the rest of a cycle charged only from `charged_from` (R4: an upgrade's conversion)."""
    today = now.astimezone(UTC).date()  # charge cycles run on UTC dates
    cycle = cycle_on(today, unit_price, cycle_months(billing_cycle), purchased_on,
                     term_months, custom_end)
    first = cycle.start if now - term_start < FULL_REFUND else today
    first = max(first, charged_from or first)
    effective = cycle.rest(first)
    return Credit(charge_amount(effective, quantity, currency), unit_price, effective,
                  quantity, first, cycle.end)


def perpetual_credit(unit_price: Decimal, quantity: int, purchased_on: date,
                     currency: str) -> Credit:
    """S6: perpetual software cancelled in time is credited in full."""
    return Credit(charge_amount(unit_price, quantity, currency), unit_price, unit_price,
                  quantity, purchased_on, purchased_on)
