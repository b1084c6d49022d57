"""Planning a renewal (R1) and suspending (R5): rules first, then Partner Center, then
history, committed once.

Each write goes through subscriptions.services' sender, like a licence change: a fresh
MS-RequestId the connector reuses on its retries, the answer mirrored, a refusal kept in
the history. Scheduling is a PATCH of the whole resource, so replaying it sets the same
instructions again rather than stacking a second change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select

from accounts.models import Role, User
from catalog import annual
from catalog.models import CatalogSettings
from connectors.partner_center import NextTerm, PartnerCenterClient
from connectors.partner_center.transition_types import TransitionEligibility
from notifications import notify
from persistence import as_utc, db
from subscriptions import renewal_rules as rules
from subscriptions import suspension_notices
from subscriptions.errors import refuse
from subscriptions.models import Subscription
from subscriptions.pc_calls import send
from subscriptions.rules import Refusal
from subscriptions.scheduled import current_term, describe, next_term, scheduled_words
from subscriptions.services import facts, note_removed_schedule
from subscriptions.term_prices import listed_prices, plan_product, term_unit_price


@dataclass(frozen=True)
class NextTermQuote:
    """What the next term will be and cost: per licence and charge cycle, and in total."""

    change: rules.NextTermChange
    unit_price: Decimal | None  # None: no price of the plan for that term and billing
    currency: str

    @property
    def total(self) -> Decimal | None:
        return None if self.unit_price is None else self.unit_price * self.change.quantity


def edited(sub: Subscription, quantity: int, term_duration: str, billing_cycle: str,
           plan: str | None = None) -> rules.NextTermChange:
    """R1: the next term with these seats, term and billing; `plan` None keeps the plan
    already scheduled (an upgrade at renewal survives an edit of its licences), "" is this
    plan."""
    plan = next_term(sub).plan if plan is None else plan
    product = plan_product(plan)
    return rules.NextTermChange(quantity, term_duration, billing_cycle, plan,
                                product.title if product else "")


def dropped_plan(sub: Subscription, change: rules.NextTermChange) -> rules.NextTermChange | None:
    """R1: the scheduled change whose other plan `change` would replace, else None."""
    scheduled = next_term(sub)
    if not sub.next_term or not scheduled.plan or scheduled.plan == change.plan:
        return None
    return scheduled


def renewal_day(sub: Subscription) -> date | None:
    """The next term's first day (UTC), as the sync dates the renewal (the current term's
    end); None when the term's end is unknown (priced today)."""
    ends = as_utc(sub.term_end)
    return None if ends is None else ends.astimezone(UTC).date()


def sold_terms(sub: Subscription, plan: str = "") -> frozenset[tuple[str, str]]:
    """The (term, billing) pairs the storefront sells this plan (or `plan`) with on the
    renewal date, when a scheduled change would begin: annual billing only while C1's two
    switches are on, as in the shop and at checkout."""
    sellable = CatalogSettings.current().annual_sellable
    return frozenset((p.term_duration, p.billing_cycle)
                     for p in listed_prices(sub, plan, renewal_day(sub))
                     if sellable or p.billing_cycle != annual.ANNUAL)


def check_annual(sub: Subscription, change: rules.NextTermChange) -> Refusal | None:
    """C1: a next term billed annually only while both annual switches are on."""
    if change.billing_cycle != annual.ANNUAL:
        return None
    return annual_refusal(CatalogSettings.current(), change.plan_title or sub.title)


def annual_refusal(settings: CatalogSettings, title: str) -> Refusal | None:
    """C1's refusal of annual billing for `title` while a switch is off: checkout's code
    and words, naming the switches still off."""
    off = annual.switches_off(settings.annual_billing_cycle_enabled,
                              settings.annual_provisioning_enabled)
    return Refusal(annual.RULE, annual.CODE, annual.not_available(title, off)) if off else None


def quote_next_term(sub: Subscription, *, retail: bool = False) -> NextTermQuote:
    """R2: what renews and at what price: the buyer's (markup or retail), or with `retail`
    the retail price a reseller invoices its end customer (B1), at the price-list row that
    sells on the renewal date (a rise published to start by then is what the next term
    costs)."""
    change = next_term(sub)
    unit, currency = term_unit_price(sub, change.term_duration, change.billing_cycle,
                                     change.plan, day=renewal_day(sub), retail=retail,
                                     quantity=change.quantity)
    return NextTermQuote(change, unit, currency)


def _instructions(sub: Subscription, change: rules.NextTermChange) -> NextTerm:
    """Partner Center's instructions: the other plan's catalog item, else the same product,
    SKU and availability."""
    if change.plan:
        product, sku, availability = (change.plan.split(":") + ["", "", ""])[:3]
        return NextTerm(product, sku, availability, change.term_duration,
                        change.billing_cycle, change.quantity)
    product, sku, availability = (sub.offer_id.split(":") + ["", "", ""])[:3]
    return NextTerm(sub.pc_product_id or product, sub.pc_sku_id or sku, availability,
                    change.term_duration, change.billing_cycle, change.quantity)


def plans_at_renewal(sub: Subscription, client: PartnerCenterClient
                     ) -> tuple[TransitionEligibility, ...]:
    """R1/R4: the other plans Partner Center lets this subscription renew into
    (transition eligibilities of type "scheduled"); none unless active with autorenew."""
    if sub.status != "active" or not sub.autorenew or not sub.pc_subscription_id:
        return ()
    return client.get_transition_eligibilities(sub.tenant_id, sub.pc_subscription_id,
                                               "scheduled")


def _check_plan(sub: Subscription, change: rules.NextTermChange,
                client: PartnerCenterClient) -> None:
    """Another plan must be listed by Partner Center for the renewal (read only then)."""
    if change.plan:
        listed = frozenset(o.catalog_item_id for o in plans_at_renewal(sub, client))
        refuse(rules.check_plan(change.plan, listed))


def schedule(sub: Subscription, change: rules.NextTermChange, user,
             client: PartnerCenterClient) -> Subscription:
    """R1: schedule the next term's seats, term and billing in Partner Center."""
    refuse(check_annual(sub, change))
    refuse(rules.check_schedule(facts(sub), sub.autorenew, current_term(sub), change,
                                sold_terms(sub, change.plan)))
    _check_plan(sub, change, client)
    dropped = dropped_plan(sub, change)
    request_id = send(sub, user, "next_term", lambda rid: client.schedule_next_term(
        sub.tenant_id, sub.pc_subscription_id, _instructions(sub, change), request_id=rid),
        client=client)
    # The history says when a change of plan gave way, so nobody wonders where it went.
    replaced = f" It replaces the change scheduled before: {describe(dropped)}." \
        if dropped else ""
    sub.record("next_term", f"Scheduled for the renewal: {describe(change)}.{replaced}", user,
               request_id, data={"quantity": change.quantity,
                                 "term_duration": change.term_duration,
                                 "billing_cycle": change.billing_cycle,
                                 "plan": change.plan})
    db.session.commit()
    return sub


def withdraw(sub: Subscription, user, client: PartnerCenterClient) -> Subscription:
    """R1: withdraw the scheduled change; the subscription renews as it is."""
    refuse(rules.check_withdraw(sub.next_term))
    request_id = send(sub, user, "next_term", lambda rid: client.schedule_next_term(
        sub.tenant_id, sub.pc_subscription_id, None, request_id=rid),
        client=client)
    sub.next_term = None
    sub.record("next_term_withdrawn", "The change scheduled for the renewal was withdrawn.",
               user, request_id)
    db.session.commit()
    return sub


def owners(sub: Subscription) -> list[User]:
    """Its buyer's active users: the reseller's for a sub-customer, else the customer's."""
    users = sub.reseller.users if sub.reseller else sub.customer.users
    return [u for u in users if u.active]


def provider_admins() -> list[User]:
    """The provider's active admins."""
    return list(db.session.scalars(select(User).where(User.role == Role.PROVIDER_ADMIN,
                                                      User.active.is_(True))))


def buyers(sub: Subscription) -> list[User]:
    """Who hears of a reactivation: the buyer's users and the provider's admins."""
    return [*provider_admins(), *owners(sub)]


def suspend(sub: Subscription, reason: str, user, client: PartnerCenterClient) -> Subscription:
    """R5: suspend in Partner Center (status suspended); the buyer is told why and what
    follows, the provider's admins who suspended it."""
    refuse(rules.check_suspend(sub.status, reason))
    scheduled = scheduled_words(sub)
    request_id = send(sub, user, "suspend", lambda rid: client.update_subscription(
        sub.tenant_id, sub.pc_subscription_id, status="suspended", request_id=rid),
        client=client)
    sub.suspension_reason = reason.strip()
    sub.record("suspend", f"Suspended by the provider: {sub.suspension_reason}", user,
               request_id)
    note_removed_schedule(sub, scheduled, user, request_id)
    removed = scheduled if scheduled and not sub.next_term else None
    suspension_notices.send(sub, removed, user, owners(sub), provider_admins())
    db.session.commit()
    return sub


def resume(sub: Subscription, user, client: PartnerCenterClient,
           now: datetime | None = None) -> Subscription:
    """R5: reactivate (status active) before the term ends."""
    at = as_utc(now) or datetime.now(UTC)
    refuse(rules.check_resume(sub.status, as_utc(sub.term_end), at))
    request_id = send(sub, user, "resume", lambda rid: client.update_subscription(
        sub.tenant_id, sub.pc_subscription_id, status="active", request_id=rid),
        client=client)
    sub.suspension_reason = ""
    sub.record("resume", "Reactivated by the provider.", user, request_id)
    notify(buyers(sub), f"{sub.title} is active again",
           f"{sub.title} for {sub.customer.company_name} was reactivated. Autorenew stays "
           "off after a suspension: turn it on if it should renew.", f"/subscriptions/{sub.id}")
    db.session.commit()
    return sub


__all__ = ["NextTermQuote", "annual_refusal", "buyers", "check_annual", "describe",
           "dropped_plan", "edited", "next_term", "owners", "plan_product", "plans_at_renewal",
           "provider_admins", "quote_next_term", "resume", "schedule", "sold_terms", "suspend",
           "withdraw"]
