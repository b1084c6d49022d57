"""The facts one checkout is judged on, gathered once and frozen.

The builder (orders/facts.py) fills these from the database and Partner Center;
rules only read them. Enumerated fields are checked on construction so a mapping slip in
the builder fails loudly instead of silently passing a rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType

from checkout import plan
from checkout.plan import LinePlan

BUYER_KINDS = frozenset({"reseller", "direct"})
TENANT_MODES = frozenset({"new", "existing"})
SEGMENTS = frozenset({"commercial", "education", "government", "nonprofit"})
SPECIALIZED_SEGMENTS = SEGMENTS - {"commercial"}
FAMILIES = frozenset({
    "office365_business", "microsoft365", "dynamics", "software_subscription",
    "perpetual_software", "azure_reservation", "azure_plan", "other",
})
BILLING_CYCLES = frozenset({"monthly", "annual", "triennial", "one_time"})
TERM_DURATIONS = frozenset({"P1M", "P1Y", "P3Y"})
SUBSCRIPTION_SOURCES = frozenset({"partner_center", "local", "pending_order"})
# Partner Center's statuses ("deleted" is a cancelled NCE subscription) plus our local
# "cancelled"; a subscription in one of these no longer exists for ordering purposes.
ENDED_STATUSES = frozenset({"deleted", "cancelled", "expired", "disabled"})
SUBSCRIPTION_STATUSES = ENDED_STATUSES | {"active", "pending", "suspended", "none"}


def _one_of(value: object, allowed: frozenset, name: str) -> None:
    if value not in allowed:
        raise ValueError(f"{name}={value!r} is not one of {sorted(allowed)}")


@dataclass(frozen=True)
class CustomerFacts:
    """The end customer's record as the order would send it to Partner Center."""

    id: int | None
    company_name: str
    contact_first_name: str
    contact_last_name: str
    email: str
    phone: str
    address_line1: str
    address_line2: str
    city: str
    region: str
    postal_code: str
    country: str
    tax_id: str
    tenant_mode: str
    tenant_id: str | None = None
    tenant_domain: str | None = None
    domain_prefix: str | None = None
    domain_available: bool | None = None
    qualifications: frozenset[str] = frozenset()
    delegated_admin: bool | None = None
    tenant_listed: bool | None = None
    relationship_request_url: str | None = None
    # K11: an existing tenant shown to be the buyer's; until then no fact about it is read.
    tenant_verified: bool = False
    # K4 on GDAP: the tenant's relationship with us (None: could not ask), its status
    # ("none" when there is none), required roles it lacks (names), its approval link.
    gdap_active: bool | None = None
    gdap_status: str | None = None
    gdap_missing_roles: tuple[str, ...] = ()
    gdap_approval_url: str | None = None
    # K9: False once the provider deactivated the customer (a direct customer's standing).
    active: bool = True

    def __post_init__(self) -> None:
        _one_of(self.tenant_mode, TENANT_MODES, "tenant_mode")
        for segment in self.qualifications:
            _one_of(segment, SPECIALIZED_SEGMENTS, "qualifications")


@dataclass(frozen=True)
class ResellerFacts:
    """The lite reseller placing the order; None flags are 'not checked or unknown'."""

    id: int
    company: str
    mpn_id: str | None
    mpn_valid: bool | None
    mpa_verified: bool | None
    listed: bool | None = None  # K9: Partner Center lists it as our indirect reseller
    active: bool = True  # K9: False once the provider deactivated it


@dataclass(frozen=True)
class McaFacts:
    """Microsoft Customer Agreement state for this customer.

    accepted_version: the version in the latest acceptance (direct) or confirmation
    (reseller) on the log, None when there is none; confirmed_by_reseller: that record is
    the ordering reseller's confirmation of its customer's acceptance; acceptance_id: that
    record, which the order points to.
    """

    required_version: str
    accepted_version: str | None
    confirmed_by_reseller: bool
    acceptance_id: int | None = None


@dataclass(frozen=True)
class BillingSettings:
    """The provider's two switches that together allow annual billing (C1)."""

    annual_billing_cycle_enabled: bool
    annual_provisioning_enabled: bool


@dataclass(frozen=True)
class LineFacts:
    """One cart line with the catalog facts of its plan."""

    index: int
    product_id: str
    sku_id: str
    catalog_item_id: str
    title: str
    family: str
    segment: str
    billing_cycle: str
    term_duration: str | None
    quantity: int
    min_quantity: int = 1
    max_quantity: int | None = None
    discontinued: bool = False
    new_subscription_per_order: bool = False
    add_to_subscription_id: str | None = None
    market: str = ""  # C7: the market whose price row the line was put in at
    # C3: the line's price-list row sells today (listed, within its effective dates; the
    # cart has moved the line to the row of its offer that does, catalog/effective.py).
    price_sells: bool = True
    # S2: whether the line's price-list row prices its quantity (the row's tier, in words:
    # "1–300 licenses", catalog/effective.py); added licences cost the subscription's price,
    # whatever the tier.
    in_tier: bool = True
    tier: str = ""
    # K12: a reservation's scope (shared/single, "" unset) and the Azure subscription of
    # the customer's Azure plan it applies to ("" unset), as the buyer chose them.
    reservation_scope: str = ""
    azure_subscription_id: str = ""

    def __post_init__(self) -> None:
        _one_of(self.family, FAMILIES, "family")
        _one_of(self.segment, SEGMENTS, "segment")
        _one_of(self.billing_cycle, BILLING_CYCLES, "billing_cycle")
        if self.term_duration is not None:
            _one_of(self.term_duration, TERM_DURATIONS, "term_duration")


@dataclass(frozen=True)
class SubscriptionFacts:
    """A subscription the customer's tenant holds or has on order, whoever sold it.

    source: "partner_center" (read live), "local" (recorded by us) or "pending_order"
    (ordered here, not yet provisioned; its id is the order's). reseller_mpn: the partner
    of record, None for the provider's direct sales.
    """

    id: str
    product_id: str
    sku_id: str
    family: str
    billing_cycle: str
    term_duration: str | None
    status: str
    source: str
    reseller_mpn: str | None = None

    def __post_init__(self) -> None:
        _one_of(self.family, FAMILIES, "family")
        _one_of(self.billing_cycle, BILLING_CYCLES, "billing_cycle")
        _one_of(self.status, SUBSCRIPTION_STATUSES, "status")
        _one_of(self.source, SUBSCRIPTION_SOURCES, "source")

    @property
    def ended(self) -> bool:
        """Cancelled, expired or disabled: it holds no place and takes no licenses."""
        return self.status in ENDED_STATUSES


@dataclass(frozen=True)
class AzureSubscriptionFacts:
    """K12: one Azure subscription under the customer's Azure plan, as Partner Center
    reports it (get-a-list-of-azure-entitlements-for-subscription)."""

    id: str
    name: str
    active: bool


@dataclass(frozen=True)
class TaxIdCountry:
    """One row of the admin-editable K3 list: who must give a tax id, from when, how checked."""

    code: str
    name: str
    required_from: date
    validator: str

    @classmethod
    def from_row(cls, row: Mapping[str, object]) -> TaxIdCountry:
        """Build from a seed/database row whose required_from is a date or ISO string."""
        required_from = row["required_from"]
        if isinstance(required_from, str):
            required_from = date.fromisoformat(required_from)
        return cls(str(row["code"]).upper(), str(row["name"]), required_from, str(row["validator"]))


@dataclass(frozen=True)
class FixUrls:
    """Where the user fixes each kind of problem; subscription takes an {id} placeholder."""

    customer_edit: str
    mca: str
    billing_choice: str  # C1: the cart, where a line's billing cycle is chosen
    subscription: str
    reseller_profile: str
    qualification: str
    tenant_proof: str = ""  # K11: the page where control of an existing tenant is shown

    def subscription_url(self, subscription_id: str) -> str:
        """The page of one subscription, where extra licenses are bought."""
        return self.subscription.format(id=subscription_id)

    def customer_field(self, field: str) -> str:
        """The customer's details opened at one field: its input's id is the field's name,
        so the browser lands on it (and the page's script focuses it)."""
        return f"{self.customer_edit}#{field}"

    def line_billing(self, line: int) -> str:
        """The cart opened at one line's choice of term and billing."""
        return f"{self.billing_choice}#line-{line}-billing"


@dataclass(frozen=True)
class CheckoutContext:
    """Everything the rules need, gathered once per checkout (inside the lock when placing).

    today: the provider's current date, so dated rules (K3 required_from) stay pure.
    existing_subscriptions: every subscription of the tenant, and the Business lines of
    orders not provisioned yet (the only ones a rule counts: K6).
    """

    buyer_kind: str
    customer: CustomerFacts
    reseller: ResellerFacts | None
    mca: McaFacts
    settings: BillingSettings
    lines: tuple[LineFacts, ...]
    existing_subscriptions: tuple[SubscriptionFacts, ...]
    tax_id_countries: Mapping[str, TaxIdCountry]
    reservation_blocked_markets: frozenset[str]
    urls: FixUrls
    today: date
    buyer_market: str = ""  # C7: the market whose prices the customer buys at
    # K12: the Azure subscriptions of the customer's Azure plan; None when Partner Center
    # could not be asked (or there is no plan to ask about).
    azure_subscriptions: tuple[AzureSubscriptionFacts, ...] | None = None
    # Derived once here, read by several rules and by the order (checkout/plan.py).
    partner_of_record: str | None = field(init=False)
    plans: tuple[LinePlan, ...] = field(init=False)

    def __post_init__(self) -> None:
        _one_of(self.buyer_kind, BUYER_KINDS, "buyer_kind")
        if [line.index for line in self.lines] != list(range(len(self.lines))):
            raise ValueError("cart lines must be indexed 0..n-1 in order")
        if not isinstance(self.tax_id_countries, MappingProxyType):
            # Freeze the mapping so no rule can change the data another rule reads.
            frozen = MappingProxyType(dict(self.tax_id_countries))
            object.__setattr__(self, "tax_id_countries", frozen)
        object.__setattr__(self, "partner_of_record", plan.partner_of_record(self))
        object.__setattr__(self, "plans", plan.plan_lines(self))

    @property
    def is_reseller_order(self) -> bool:
        """True when a lite reseller orders for its sub-customer."""
        return self.buyer_kind == "reseller"

    def subscription(self, subscription_id: str) -> SubscriptionFacts | None:
        """The existing subscription with this id, if the tenant holds it."""
        return next((s for s in self.existing_subscriptions if s.id == subscription_id), None)
