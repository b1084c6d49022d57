"""R1: the change scheduled for a subscription's next term, as the local mirror keeps it
(Partner Center's scheduledNextTermInstructions), read and put in words.

Its own module so both the services that change a subscription mid-term (which make
Partner Center remove the schedule) and the renewal planning can name it.
"""

from __future__ import annotations

from catalog.price_words import counted, frequency_words, term_words
from subscriptions import renewal_rules as rules
from subscriptions.models import Subscription
from subscriptions.term_prices import plan_product


def current_term(sub: Subscription) -> rules.NextTermChange:
    """This term's seats, term and billing (what renews when nothing is scheduled)."""
    return rules.NextTermChange(sub.quantity, sub.term_duration, sub.billing_cycle)


def _scheduled_plan(sub: Subscription) -> str:
    """The other plan the schedule names ("" when it keeps this product and SKU)."""
    planned = sub.next_term or {}
    product, sku = planned.get("pc_product_id") or "", planned.get("pc_sku_id") or ""
    if not product or (product.upper(), sku) == (sub.pc_product_id.upper(), sub.pc_sku_id):
        return ""
    return f"{product}:{sku}:{planned.get('availability_id') or ''}"


def next_term(sub: Subscription) -> rules.NextTermChange:
    """What the renewal will apply: the scheduled change, else this term again."""
    if not sub.next_term:
        return current_term(sub)
    plan = _scheduled_plan(sub)
    product = plan_product(plan)
    return rules.NextTermChange(int(sub.next_term["quantity"]), sub.next_term["term_duration"],
                                sub.next_term["billing_cycle"], plan,
                                product.title if product else "")


def describe(change: rules.NextTermChange) -> str:
    """The next term in words: "5 licenses, 1 year, billed annually", with the plan when
    it changes ("5 licenses of Microsoft 365 E3, …")."""
    plan = f" of {change.plan_title or change.plan}" if change.plan else ""
    return (f"{counted(change.quantity, 'license')}{plan}, {term_words(change.term_duration)}, "
            f"{frequency_words(change.billing_cycle)}")


def scheduled_words(sub: Subscription) -> str | None:
    """The scheduled change in words, or None when nothing is scheduled."""
    return describe(next_term(sub)) if sub.next_term else None
