"""Assemble the CheckoutContext from Partner Center facts and (re-read) database facts."""

from __future__ import annotations

from datetime import date

from accounts.models import Customer, MpaStatus, Reseller
from catalog import effective
from checkout.context import (
    CheckoutContext,
    CustomerFacts,
    FixUrls,
    LineFacts,
    McaFacts,
    ResellerFacts,
    SubscriptionFacts,
)
from checkout.fetch import RemoteFacts
from checkout.reference import Reference
from orders import snapshot
from orders.snapshot import Snapshot

# What Partner Center's subscription ids appear on: an order that completed.
BOUGHT_STATUS = "active"


def local_subscription_ref(sub) -> str:
    """The id a subscription (or a row of one) has in the rules: Partner Center's, or ours
    until it has one."""
    return sub.pc_subscription_id or f"local:{sub.id}"


def build_context(cart, remote: RemoteFacts, ref: Reference, today: date, urls: FixUrls,
                  rows: Snapshot | None = None) -> CheckoutContext:
    """The frozen facts for one cart from its database `rows` (read now when not given);
    read inside the order's lock, they include every racing checkout that committed
    first."""
    customer = cart.customer
    reseller = customer.reseller
    rows = rows or snapshot.read(customer)
    return CheckoutContext(
        buyer_kind="reseller" if reseller else "direct",
        customer=_customer(customer, remote, rows.approved | remote.qualifications),
        reseller=_reseller(reseller), mca=_mca(rows.mca, remote), settings=ref.settings,
        lines=tuple(_line(i, line, today) for i, line in enumerate(cart.lines)),
        existing_subscriptions=_subscriptions(rows, remote),
        tax_id_countries=ref.tax_id_countries,
        reservation_blocked_markets=ref.reservation_blocked_markets,
        urls=urls, today=today, buyer_market=ref.market_for(customer.country),
        azure_subscriptions=remote.azure_subscriptions)


def record_context(customer: Customer, ref: Reference, today: date,
                   urls: FixUrls) -> CheckoutContext:
    """The customer's saved details and the reference data, nothing else: no cart, no
    Partner Center, no MCA record, subscriptions or orders read. Enough for the checks of
    the record itself (checkout.service.RECORD_CHECKS)."""
    reseller = customer.reseller
    return CheckoutContext(
        buyer_kind="reseller" if reseller else "direct",
        customer=_customer(customer, RemoteFacts(), frozenset()),
        reseller=_reseller(reseller),
        mca=McaFacts(required_version="", accepted_version=None, confirmed_by_reseller=False),
        settings=ref.settings, lines=(), existing_subscriptions=(),
        tax_id_countries=ref.tax_id_countries,
        reservation_blocked_markets=ref.reservation_blocked_markets,
        urls=urls, today=today)


def _customer(c: Customer, remote: RemoteFacts, qualifications: frozenset[str]) -> CustomerFacts:
    return CustomerFacts(
        id=c.id, company_name=c.company_name, contact_first_name=c.contact_first_name,
        contact_last_name=c.contact_last_name, email=c.email, phone=c.phone,
        address_line1=c.address_line1, address_line2=c.address_line2, city=c.city,
        region=c.region, postal_code=c.postal_code, country=c.country, tax_id=c.tax_id,
        tenant_mode=c.tenant_mode, tenant_id=c.tenant_id or None,
        tenant_domain=c.tenant_domain or None, domain_prefix=c.domain_prefix or None,
        domain_available=remote.domain_available,
        qualifications=qualifications, delegated_admin=remote.delegated_admin,
        tenant_listed=remote.tenant_listed,
        relationship_request_url=remote.relationship_url,
        tenant_verified=c.tenant_verified, active=bool(c.active), **_gdap(remote))


def _gdap(remote: RemoteFacts) -> dict:
    """K4's GDAP facts, when Graph was asked about the tenant."""
    gdap = remote.gdap
    if gdap is None:
        return {}
    return {"gdap_active": gdap.active, "gdap_status": gdap.status,
            "gdap_missing_roles": gdap.missing_roles, "gdap_approval_url": gdap.approval_url}


def _reseller(r: Reseller | None) -> ResellerFacts | None:
    if r is None:
        return None
    known = r.mpa_status != MpaStatus.UNKNOWN
    return ResellerFacts(
        id=r.id, company=r.company_name, mpn_id=r.mpn_id or None,
        mpn_valid=(r.mpa_status != MpaStatus.INVALID_MPN) if known else None,
        mpa_verified=(r.mpa_status == MpaStatus.VERIFIED) if known else None,
        listed=r.listed, active=bool(r.active))


def _mca(latest: snapshot.Mca | None, remote: RemoteFacts) -> McaFacts:
    return McaFacts(
        required_version=remote.mca_version or (latest.agreement_version if latest else ""),
        accepted_version=latest.agreement_version if latest else None,
        confirmed_by_reseller=bool(latest and latest.acting_as == "reseller_user"),
        acceptance_id=latest.id if latest else None)


def _line(index: int, line, today: date) -> LineFacts:
    price, sku = line.price, line.price.sku
    product = sku.product
    target = line.add_to_subscription
    return LineFacts(
        index=index, product_id=product.pc_product_id, sku_id=sku.pc_sku_id,
        catalog_item_id=sku.catalog_item_id, title=f"{product.title} ({sku.title})"
        if sku.title != product.title else product.title,
        family=product.family, segment=product.segment, billing_cycle=price.billing_cycle,
        term_duration=price.term_duration or None, quantity=line.quantity,
        min_quantity=product.min_quantity, max_quantity=product.max_quantity,
        discontinued=product.withdrawn,
        new_subscription_per_order=product.new_subscription_per_order,
        add_to_subscription_id=local_subscription_ref(target) if target else None,
        market=price.market, price_sells=price.listed and effective.in_window(
            price.effective_start, price.effective_end, today),
        in_tier=bool(target) or effective.fits_tier(price, line.quantity),
        tier=effective.tier_words(price),
        reservation_scope=line.reservation_scope or "",
        azure_subscription_id=line.azure_subscription_id or "")


def _subscriptions(rows: Snapshot, remote: RemoteFacts) -> tuple[SubscriptionFacts, ...]:
    """Partner Center's, then ours not already among them, then what orders still open
    have bought or are buying: a subscription Partner Center has made for one of our
    lines but we have not mirrored yet is held like a mirrored one, even when Partner
    Center's list lags or cannot be read (a second order then adds licenses to it, never
    buys a second one, #19); Business lines still on order count for K6. No other rule
    reads a subscription that does not exist yet (C4 never adds licenses to one), so a
    customer's backlog of other orders waiting for provisioning is not read on every
    checkout (orders/snapshot.py reads them, under the lock)."""
    facts = list(remote.subscriptions)
    seen = {f.id for f in facts}
    facts += [fact for fact in map(_local_fact, rows.local) if fact.id not in seen]
    seen |= {f.id for f in facts}
    facts += [fact for fact in map(_on_order_fact, rows.pending) if fact.id not in seen]
    return tuple(facts)


def _local_fact(s) -> SubscriptionFacts:
    return SubscriptionFacts(
        id=local_subscription_ref(s), product_id=s.pc_product_id,
        sku_id=s.pc_sku_id, family=s.family, billing_cycle=s.billing_cycle,
        term_duration=s.term_duration or None, status=s.status, source="local",
        reseller_mpn=s.partner_id or None)


def _on_order_fact(line) -> SubscriptionFacts:
    """A line's subscription: bought (Partner Center's id, held like a mirrored one), or
    still on order (K6 counts it; nothing can be added to it)."""
    bought = bool(line.pc_subscription_id)
    return SubscriptionFacts(
        id=line.pc_subscription_id if bought else f"order:{line.order_id}:{line.line_number}",
        product_id=line.pc_product_id, sku_id=line.pc_sku_id, family=line.family,
        billing_cycle=line.billing_cycle, term_duration=line.term_duration or None,
        status=BOUGHT_STATUS if bought else "pending",
        source="local" if bought else "pending_order",
        reseller_mpn=line.partner_of_record or None)
