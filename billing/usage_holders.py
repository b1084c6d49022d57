"""K8 for Azure usage: whose Azure plan a usage line is, when a tenant is shared.

Two resellers may each have a customer linked to the same Microsoft tenant (K8), so the
tenant (CustomerId) alone does not say whose Azure plan a usage line is. The line also
names its subscription (SubscriptionId) and the reseller of record (Tier2MpnId, the "full"
attribute set's; optional in unbilled usage), as Graph's usage exports write them
(partners-billing-attributeset; daily-rated-usage-recon-files). The holder is the tenant's
customer whose mirrored Azure plan is that subscription, else the one whose reseller's MPN
ID is the reseller of record; a tenant only one customer here has is that customer's unless
another reseller is of record. Anything else is nobody's: the provider resolves it, the
usage is never charged or shown to a guessed buyer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from accounts.models import Customer, Reseller
from persistence import db
from subscriptions.models import Subscription

AZURE_PLAN = "azure_plan"
NO_RESELLER = ("", "0", "-1")  # how the files write "no reseller of record"


@dataclass(frozen=True)
class Holder:
    """A customer here with the tenant: its reseller's MPN ID ("" when direct) and the
    Partner Center ids of its Azure plans (lower case)."""

    customer: Any  # the Customer, or its id
    reseller_mpn: str
    plans: frozenset[str]


def usage_holder(holders: list[Holder], subscription_id: str, reseller_mpn: str
                 ) -> Holder | None:
    """The holder whose Azure plan a usage line is (see the module), or None: not decided."""
    named = [h for h in holders if subscription_id.strip().lower() in h.plans]
    if len(named) == 1:
        return named[0]
    mpn = reseller_mpn.strip()
    if mpn in NO_RESELLER:
        return holders[0] if len(holders) == 1 else None
    of_record = [h for h in holders if h.reseller_mpn == mpn]
    return of_record[0] if len(of_record) == 1 else None


def holders_of(tenants: Iterable[str], *, ids: bool = False) -> dict[str, list[Holder]]:
    """The customers here with these tenants, by tenant, in two queries: each with its
    reseller's MPN ID and its Azure plans (`ids`: the customer's id, not the Customer)."""
    tenants = set(tenants) - {""}
    if not tenants:
        return {}
    rows = db.session.execute(select(Customer, Reseller.mpn_id).outerjoin(
        Reseller, Reseller.id == Customer.reseller_id).where(
        Customer.tenant_id.in_(tenants)).order_by(Customer.id)).tuples().all()
    plans = _plans({customer.id for customer, _ in rows})
    found: dict[str, list[Holder]] = {}
    for customer, mpn in rows:
        found.setdefault(customer.tenant_id, []).append(Holder(
            customer.id if ids else customer, (mpn or "").strip(),
            frozenset(plans.get(customer.id, ()))))
    return found


def _plans(customer_ids: set[int]) -> dict[int, set[str]]:
    """Every Azure plan mirrored for these customers, ended or not (usage is billed after)."""
    plans: dict[int, set[str]] = {}
    for customer_id, pc_id in db.session.execute(select(
            Subscription.customer_id, Subscription.pc_subscription_id).where(
            Subscription.customer_id.in_(customer_ids), Subscription.family == AZURE_PLAN,
            Subscription.pc_subscription_id.is_not(None))):
        if pc_id:
            plans.setdefault(customer_id, set()).add(pc_id.lower())
    return plans
