"""The Partner Center writes of provisioning, each one safe to run again after a crash.

Pattern of every write: store its MS-RequestId on the order and commit, call Partner
Center, let the checkpoint fire (tests inject crashes there: after the write, before we
record it), then store the result and commit. A request id whose write Partner Center
refused for good is forgotten, so a retry after the cause is fixed is a new request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, time

from agreements.mca import McaAcceptance, McaAttestation
from catalog.price_words import plan_words
from connectors.partner_center.client import PartnerCenterClient
from connectors.partner_center.commerce_types import Cart, CartLineRequest
from connectors.partner_center.errors import (
    AgreementAlreadyExists,
    PartnerCenterError,
)
from connectors.partner_center.types import (
    REGISTRATION_NUMBER_COUNTRIES,
    Address,
    Contact,
    NewCustomer,
)
from orders.models import Order, OrderLine, new_uuid
from persistence import db
from provisioning.attention import ADMIN_RETRY, NeedsAttention, meaning

Checkpoint = Callable[[str], None]
DONE_ATTESTATIONS = ("attested", "already_attested")


ORDER_PENDING_STEP = (
    "Look the order up in Partner Center: if it is still pending, ask Microsoft support "
    "about it (quote the order id); once it completes or is cancelled, " + ADMIN_RETRY)


class StillProvisioning(Exception):
    """Partner Center accepted the work but has not finished it: look again later. `since`
    is when the wait began (an order's creationDate, a cart's creation, the start of a
    registration): polls thin out as it ages and stop at a deadline (provisioning.jobs),
    where `began` names that moment and `next_step` tells the person what to do."""

    def __init__(self, message: str, since: datetime | None = None, *,
                 began: str = "checkout", next_step: str = ORDER_PENDING_STEP) -> None:
        super().__init__(message)
        self.since, self.began, self.next_step = since, began, next_step


def checkout_wait(message: str, cart: Cart) -> StillProvisioning:
    """A wait for the orders of a checked-out cart, timed from the cart's creation."""
    return StillProvisioning(
        message, since=cart.created, began="its cart was created",
        next_step=f"Look in Partner Center for the customer's orders from cart {cart.id}: "
                  "once they are listed, " + ADMIN_RETRY + " If the cart bought nothing, "
                  "cancel this order and place it again.")


def store_request_id(order: Order, field: str) -> str:
    """The request id of a write, created and committed before its first attempt."""
    if not getattr(order, field):
        setattr(order, field, new_uuid())
        db.session.commit()
    return getattr(order, field)


@contextmanager
def forget_on_refusal(order: Order, field: str) -> Iterator[None]:
    """A refused write created nothing: drop its request id so a fixed retry is new."""
    try:
        yield
    except PartnerCenterError as error:
        if not error.retryable:
            setattr(order, field, "")
            db.session.commit()
        raise


def ensure_customer(order: Order, client: PartnerCenterClient, checkpoint: Checkpoint) -> None:
    """Know the order's Partner Center customer: an existing tenant, or a new one made once."""
    customer = order.customer
    if order.pc_customer_id:
        return
    if order.tenant_mode == "existing" and not customer.tenant_verified:
        # K11 stops such an order at checkout; this holds even if the proof was withdrawn
        # (the tenant changed) between placing and provisioning.
        raise NeedsAttention("The customer has not shown that it controls the tenant "
                             f"{customer.tenant_ref} (K11).",
                             "Confirm the tenant on the customer's tenant page, then retry.")
    if customer.tenant_id:
        order.pc_customer_id = customer.tenant_id
        db.session.commit()
        return
    domain = _domain(order)
    found = _find_by_domain(client, order, domain) if (
        order.pc_customer_request_id or order.tenant_mode == "existing") else None
    if found is None and order.tenant_mode == "existing":
        raise NeedsAttention(f"No Partner Center customer has the domain {domain}.",
                             "Check the customer's tenant domain, or ask the customer to "
                             "accept the reseller relationship, then retry the order.")
    if found is None:
        found = _create_customer(order, client, domain)
        checkpoint("customer")
    created = order.tenant_mode == "new"
    proof = customer.tenant_verified_by
    order.pc_customer_id = customer.tenant_id = found[0]
    # The tenant exists from now on: later checkouts ask Partner Center about it (K4's
    # delegated admin), not whether its domain is still free, which it no longer is.
    customer.tenant_domain, customer.tenant_mode = found[1], "existing"
    # K11: a tenant we created for this customer is its own by construction; one found by
    # its proven domain is the same tenant, now named by id, so the proof follows it.
    if created or proof:
        customer.verify_tenant("created" if created else proof, datetime.now(UTC))
    db.session.commit()


def _create_customer(order: Order, client: PartnerCenterClient,
                     domain: str) -> tuple[str, str]:
    """Create the new tenant once (its request id is stored first); if Partner Center
    refuses because another order of this customer, provisioned at the same moment, has
    just made it, use that tenant instead of stopping for attention."""
    request_id = store_request_id(order, "pc_customer_request_id")
    try:
        with forget_on_refusal(order, "pc_customer_request_id"):
            created = client.create_customer(_new_customer(order, domain), request_id=request_id,
                                             correlation_id=order.correlation_id)
    except PartnerCenterError as error:
        sibling = None if error.retryable else _made_by_a_sibling(order, client, domain)
        if sibling is None:
            raise
        return sibling
    return created.id, created.domain or domain


def _made_by_a_sibling(order: Order, client: PartnerCenterClient,
                       domain: str) -> tuple[str, str] | None:
    """The tenant another order of the same customer created: recorded on the customer by
    now, or found by its domain and company name (its worker may not have committed)."""
    customer = order.customer
    db.session.refresh(customer)  # the refusal's rollback/commit ended the old snapshot
    if customer.tenant_id:
        return customer.tenant_id, customer.tenant_domain or domain
    return _find_by_domain(client, order, domain)


def _domain(order: Order) -> str:
    """The tenant's initial domain, e.g. contoso.onmicrosoft.com."""
    customer = order.customer
    if order.tenant_mode == "existing" and customer.tenant_domain:
        return customer.tenant_domain.lower()
    return f"{order.domain_prefix or customer.domain_prefix}.onmicrosoft.com".lower()


def _find_by_domain(client: PartnerCenterClient, order: Order,
                    domain: str) -> tuple[str, str] | None:
    """A customer an earlier, interrupted run created (same domain and company name)."""
    for candidate in client.search_customers(domain, correlation_id=order.correlation_id):
        same_company = candidate.company_name.lower() == order.customer.company_name.lower()
        if candidate.domain.lower() == domain and (
                same_company or order.tenant_mode == "existing"):
            return candidate.id, candidate.domain
    return None


def _new_customer(order: Order, domain: str) -> NewCustomer:
    """The POST /v1/customers body from our customer record; a reseller's customer names
    the reseller's tenant (K9: "Create a customer for an indirect reseller")."""
    c = order.customer
    reseller_tenant = _reseller_tenant(order)
    address = Address(address_line1=c.address_line1, address_line2=c.address_line2,
                      city=c.city, state=c.region, postal_code=c.postal_code, country=c.country,
                      first_name=c.contact_first_name, last_name=c.contact_last_name,
                      phone_number=c.phone)
    return NewCustomer(domain=domain, company_name=c.company_name, email=c.email,
                       address=address, language=c.language or "en",
                       # Tax IDs of other K3 countries (PL, TR, …) stay with us: 600002.
                       registration_number=(c.tax_id or None)
                       if c.country in REGISTRATION_NUMBER_COUNTRIES else None,
                       associated_partner_id=reseller_tenant)


def _reseller_tenant(order: Order) -> str | None:
    """The reseller's Microsoft tenant id, None for a direct order; a reseller Partner
    Center has not listed (K9 refuses its orders) stops the order instead."""
    reseller = order.reseller
    if reseller is None:
        return None
    if not reseller.tenant_id:
        raise NeedsAttention(f"{reseller.company_name} has no Microsoft tenant id on record.",
                             "Check the reseller's standing with Microsoft (K9), then retry.")
    return reseller.tenant_id


def attest_mca(order: Order, client: PartnerCenterClient, checkpoint: Checkpoint) -> None:
    """Attest the order's MCA acceptance once; the result is a new append-only ledger row."""
    acceptance = db.session.get(McaAcceptance, order.mca_acceptance_id) \
        if order.mca_acceptance_id else None
    if acceptance is None or acceptance.attestation_status in DONE_ATTESTATIONS:
        return
    request_id = store_request_id(order, "pc_attestation_request_id")
    contact = Contact(acceptance.signer_first_name, acceptance.signer_last_name,
                      acceptance.signer_email, acceptance.signer_phone)
    agreed = datetime.combine(acceptance.date_agreed, time(), UTC)
    status, detail = "attested", ""
    try:
        with forget_on_refusal(order, "pc_attestation_request_id"):
            client.create_customer_agreement(
                order.pc_customer_id, acceptance.template_id, contact, agreed,
                request_id=request_id, correlation_id=order.correlation_id)
    except AgreementAlreadyExists as error:
        status, detail = "already_attested", error.meaning
    except PartnerCenterError as error:
        if not error.retryable:
            db.session.add(McaAttestation(acceptance_id=acceptance.id, status="failed",
                                          detail=meaning(error.code, error.description)))
            db.session.commit()
        raise
    checkpoint("attestation")
    db.session.add(McaAttestation(acceptance_id=acceptance.id, status=status, detail=detail))
    db.session.commit()


def ensure_cart(order: Order, lines: list[OrderLine], client: PartnerCenterClient,
                checkpoint: Checkpoint) -> None:
    """Create the order's cart once, from availabilities re-read just now (their ids rotate).
    It holds the lines still pending, each with its index in `lines` as its cart line id."""
    if order.pc_cart_id:
        return
    held = [(i, line) for i, line in enumerate(lines) if line.status == "pending"]
    requests = [_cart_line(order, line, client) for _, line in held]
    request_id = store_request_id(order, "pc_cart_request_id")
    with forget_on_refusal(order, "pc_cart_request_id"):
        cart = client.create_cart(order.pc_customer_id, requests, request_id=request_id,
                                  correlation_id=order.correlation_id,
                                  line_ids=[i for i, _ in held])
    checkpoint("cart")
    order.pc_cart_id = cart.id
    db.session.commit()


def drop_cart(order: Order) -> None:
    """Forget a cart that will never be checked out, so the next cart is a new request."""
    order.pc_cart_id = order.pc_cart_request_id = order.pc_checkout_request_id = ""
    db.session.commit()


def _cart_line(order: Order, line: OrderLine, client: PartnerCenterClient) -> CartLineRequest:
    """A cart line for one order line with the SKU's current catalog item id."""
    segment = line.product.segment if line.product else None
    offered = client.list_availabilities(line.pc_product_id, line.pc_sku_id,
                                         order.customer.country, segment,
                                         correlation_id=order.correlation_id)
    for availability in offered:
        terms = {(t.duration, t.billing_cycle) for t in availability.terms}
        perpetual = not terms and line.billing_cycle == "one_time"
        if availability.is_purchasable and (
                perpetual or (line.term_duration, line.billing_cycle) in terms):
            return CartLineRequest(availability.catalog_item_id, line.quantity,
                                   line.term_duration, line.billing_cycle,
                                   friendly_name=line.title[:50],
                                   reseller_mpn_id=line.partner_of_record,
                                   provisioning_context=_provisioning_context(line),
                                   custom_term_end_date=line.custom_term_end)
    raise NeedsAttention(
        f"{line.title} is no longer sold as {plan_words(line.term_duration, line.billing_cycle)}"
        f" in {order.customer.country}.",
        "Synchronise the catalog and offer the customer another plan; cancel this order.")


def _provisioning_context(line: OrderLine) -> tuple[tuple[str, str], ...]:
    """K12: a reservation's provisioningContext (create-a-cart), the Azure subscription
    and the scope it applies to; nothing for any other line."""
    if line.family != "azure_reservation":
        return ()
    return (("subscriptionId", line.azure_subscription_id), ("scope", line.reservation_scope))
