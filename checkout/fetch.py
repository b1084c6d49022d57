"""Gather every fact a checkout is judged on, once: Partner Center first, then the database.

Partner Center facts are read before the order transaction (no external call inside it);
database facts are read inside the lock so racing checkouts see each other (K6).
A Partner Center outage leaves a fact unknown (None); the rule then refuses with a
"could not confirm" problem instead of guessing.
"""

from __future__ import annotations

import logging
import time
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from accounts.models import PARTNER_CENTER_QUALIFICATIONS, Customer, MpaStatus, Reseller
from catalog.models import Product
from checkout.context import FAMILIES, AzureSubscriptionFacts, SubscriptionFacts
from connectors.partner_center import NotFound, PartnerCenterError
from connectors.partner_center.azure_plan import AZURE_PLAN_PRODUCT
from persistence import db
from relationships.services import DelegatedAdmin, delegated_admin

log = logging.getLogger(__name__)
# K9: a verified MPN/MPA is re-checked once a day; a refusal after a few minutes, so a
# reseller who has just accepted the MPA is not kept waiting for a day.
STANDING_TTL = timedelta(hours=24)
REFUSED_STANDING_TTL = timedelta(minutes=5)
QUALIFICATIONS = PARTNER_CENTER_QUALIFICATIONS


@dataclass(frozen=True)
class RemoteFacts:
    """What Partner Center says; None where it could not be asked."""

    mca_version: str | None = None
    delegated_admin: bool | None = None
    tenant_listed: bool | None = None  # an existing tenant is among the partner's customers
    relationship_url: str | None = None
    gdap: DelegatedAdmin | None = None  # K4: the tenant's GDAP relationship with us
    domain_available: bool | None = None
    qualifications: frozenset[str] = frozenset()
    subscriptions: tuple[SubscriptionFacts, ...] = field(default_factory=tuple)
    # K12: the Azure subscriptions of the tenant's Azure plan (None: no plan, or unasked)
    azure_subscriptions: tuple[AzureSubscriptionFacts, ...] | None = None


def _ask(what: str, call, default=None):
    try:
        return call()
    except PartnerCenterError as exc:
        log.warning("Partner Center could not answer %s: %s", what, exc)
        return default


# Partner-wide facts change rarely (a new MCA version, a new partner link): one read every
# few minutes per process instead of two extra Partner Center calls on every checkout.
PARTNER_FACTS_TTL = 300.0
_partner_facts: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # client → facts


def _partner_wide(client) -> dict:
    cached = _partner_facts.get(client)
    if cached and time.monotonic() - cached[0] < PARTNER_FACTS_TTL:
        return cached[1]
    templates = _ask("the MCA template", client.get_agreement_templates, ())
    facts = {"mca_version": templates[0].template_id if templates else None,
             "relationship_url": _ask("the relationship link",
                                      client.get_relationship_request_url)}
    if all(facts.values()):  # never cache an outage
        _partner_facts[client] = (time.monotonic(), facts)
    return facts


def fetch_remote(client, customer: Customer, now: datetime | None = None,
                 graph=None) -> RemoteFacts:
    """Every Partner Center fact for this customer, each call independent of the others.

    An existing tenant not yet shown to be the customer's (K11) is asked about once, to
    see whether its admin has accepted the reseller's invitation; until it has, nothing
    else about it is read, so no answer, message or page can reveal it."""
    facts = dict(_partner_wide(client))
    if customer.tenant_mode == "existing":
        if not customer.tenant_verified:
            confirm_tenant(client, customer, now or datetime.now(UTC))
        if customer.tenant_verified:
            facts |= _existing_tenant(client, customer)
            if graph is not None and facts.get("tenant_listed"):
                facts["gdap"] = delegated_admin(customer, graph, now or datetime.now(UTC))
    elif customer.domain_prefix:
        facts["domain_available"] = _domain_available(client, customer.domain_prefix)
    return RemoteFacts(**facts)


# A free domain stays free for the minute or two between a buyer's dry run and placing the
# order: a "free" answer is kept this long per worker, saving a Partner Center call per
# checkout. "Taken" and outages are never kept (the buyer fixes the prefix and retries). If
# someone takes the domain inside the window, provisioning stops the order for attention.
DOMAIN_FREE_TTL = 120.0
MAX_FREE_DOMAINS = 10_000
_free_domains: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # client → {prefix: t}


def _domain_available(client, prefix: str) -> bool | None:
    free = _free_domains.setdefault(client, OrderedDict())
    checked = free.get(prefix)
    # The wall clock (which tests can move): a jump only shortens or stretches one entry.
    if checked is not None and 0 <= time.time() - checked < DOMAIN_FREE_TTL:
        return True
    available = _ask("the domain", lambda: client.is_domain_available(prefix))
    free.pop(prefix, None)
    if available:
        free[prefix] = time.time()
        while len(free) > MAX_FREE_DOMAINS:
            free.popitem(last=False)
    return available


def confirm_tenant(client, customer: Customer, now: datetime) -> bool:
    """K11 for a reseller's customer: Partner Center lists the reseller among the tenant's
    indirect resellers once the tenant's admin accepted its invitation. Records the proof
    (and commits) when it is there; a direct customer proves control by signing in."""
    reseller = customer.reseller
    if customer.tenant_verified or reseller is None or not reseller.tenant_id:
        return customer.tenant_verified
    try:
        resellers = client.list_customer_relationships(customer.tenant_ref)
    except PartnerCenterError as exc:  # 404 included: not (yet) linked, or not a tenant
        log.info("tenant of customer %s not confirmed: %s", customer.id, exc)
        return False
    if any(r.tenant_id.lower() == reseller.tenant_id.lower() for r in resellers):
        customer.verify_tenant("partner_center", now)
        db.session.commit()
        return True
    return False


def _existing_tenant(client, customer: Customer) -> dict:
    tenant = customer.tenant_id or customer.tenant_domain
    try:
        remote = client.get_customer(tenant)
    except NotFound:  # not (yet) our customer: no relationship, or a mistyped tenant
        return {"delegated_admin": False, "tenant_listed": False}
    except PartnerCenterError as exc:
        log.warning("Partner Center could not answer for tenant %s: %s", tenant, exc)
        return {}
    quals = _ask("qualifications", lambda: client.get_qualifications(remote.id), ())
    subs = _ask("subscriptions", lambda: client.list_subscriptions(remote.id), ())
    return {"azure_subscriptions": _azure_subscriptions(client, remote.id, subs),
            "delegated_admin": bool(remote.allow_delegated_access), "tenant_listed": True,
            "qualifications": frozenset(QUALIFICATIONS[q.qualification.lower()] for q in quals
                                        if q.is_approved and q.qualification.lower()
                                        in QUALIFICATIONS),
            "subscriptions": tuple(_remote_subscription(s) for s in subs)}


def _azure_subscriptions(client, tenant: str, subs) -> tuple[AzureSubscriptionFacts, ...] | None:
    """K12: the Azure subscriptions under the tenant's live Azure plan, asked only of a
    tenant that holds one (one call, and none for every other checkout)."""
    plan = next((s for s in subs if s.offer_id.partition(":")[0] == AZURE_PLAN_PRODUCT
                 and s.status in ("active", "pending")), None)
    if plan is None:
        return None
    found = _ask("the Azure plan's subscriptions",
                 lambda: client.list_azure_entitlements(tenant, plan.id))
    if found is None:
        return None
    return tuple(AzureSubscriptionFacts(e.id, e.friendly_name, e.active) for e in found)


def _remote_subscription(sub) -> SubscriptionFacts:
    product_id, _, rest = sub.offer_id.partition(":")
    sku_id = rest.partition(":")[0]
    family = db.session.scalar(select(Product.family).filter_by(pc_product_id=product_id))
    return SubscriptionFacts(
        id=sub.id, product_id=product_id, sku_id=sku_id,
        family=family if family in FAMILIES else "other",
        billing_cycle=sub.billing_cycle or "monthly", term_duration=sub.term_duration or None,
        status=sub.status or "none", source="partner_center",
        reseller_mpn=sub.partner_id or None)


def refresh_reseller_standing(client, reseller: Reseller, now: datetime, *,
                              force: bool = False) -> bool:
    """K9: ask Partner Center about the MPN and MPA when the cached answer is stale (or
    someone asks to check again: force). False when Partner Center did not answer (the
    standing kept is the last answer, however old)."""
    checked = reseller.mpa_checked_at
    ttl = STANDING_TTL if reseller.mpa_status == MpaStatus.VERIFIED else REFUSED_STANDING_TTL
    if not force and checked and checked.replace(tzinfo=checked.tzinfo or UTC) > now - ttl:
        return True
    try:
        client.get_mpn_profile(reseller.mpn_id)
        signed = client.get_reseller_mpa_status(reseller.mpn_id).is_agreement_signed
        status = MpaStatus.VERIFIED if signed else MpaStatus.NOT_ACCEPTED
    except NotFound:
        status = MpaStatus.INVALID_MPN
    except PartnerCenterError as exc:
        log.warning("MPN/MPA check for reseller %s failed: %s", reseller.id, exc)
        return False
    reseller.mpa_status = status
    reseller.mpa_checked_at = now
    if status != MpaStatus.INVALID_MPN:
        _refresh_listing(client, reseller)
    db.session.commit()
    return True


def _refresh_listing(client, reseller: Reseller) -> None:
    """K9: whether Partner Center lists the reseller among our indirect resellers, and
    its tenant id there (customers are created under it); unknown when it cannot answer."""
    try:
        listed = client.list_indirect_resellers()
    except PartnerCenterError as exc:
        log.warning("indirect reseller list unavailable for reseller %s: %s", reseller.id, exc)
        reseller.listed = None
        return
    match = next((r for r in listed if r.mpn_id == reseller.mpn_id), None)
    reseller.listed = match is not None
    if match is not None:
        reseller.tenant_id = match.tenant_id


def remote_facts(client, customer: Customer, now: datetime, graph=None) -> RemoteFacts:
    """What Partner Center (and Graph, for GDAP) say for this checkout, the reseller's
    standing (K9) refreshed first when stale; the pages and the API ask the same way."""
    if customer.reseller is not None:
        refresh_reseller_standing(client, customer.reseller, now)
    return fetch_remote(client, customer, now, graph)
