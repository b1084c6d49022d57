"""Valid checkout contexts in one call, so each test changes only the fact it is about.

The default is a lite reseller in good standing ordering 5 monthly Microsoft 365 Business
Premium licenses for a German customer on a new tenant. The country lists are the real
seed data, read here (the rules themselves never read files).
"""

from __future__ import annotations

from datetime import date

from checkout.context import (
    BillingSettings,
    CheckoutContext,
    CustomerFacts,
    FixUrls,
    LineFacts,
    McaFacts,
    ResellerFacts,
    SubscriptionFacts,
    TaxIdCountry,
)
from config.countries import load_country_list, load_country_rows

TODAY = date(2024, 6, 3)
MPN_ID = "4812345"
TAX_ID_COUNTRIES = {row["code"]: TaxIdCountry.from_row(row)
                    for row in load_country_rows("k3_tax_id_countries")}
BLOCKED_MARKETS = load_country_list("k10_reservation_blocked_markets")
URLS = FixUrls(
    customer_edit="/customers/7/edit",
    mca="/customers/7/mca",
    billing_choice="/cart?customer=1",
    subscription="/subscriptions/{id}",
    reseller_profile="/reseller/profile",
    qualification="/customers/7/qualifications",
    tenant_proof="/customers/7/tenant",
)


def customer(**changes: object) -> CustomerFacts:
    """A German customer with a complete, valid address, on a new tenant with a free domain."""
    defaults = {
        "id": 7, "company_name": "Contoso GmbH", "contact_first_name": "Erika",
        "contact_last_name": "Mustermann", "email": "erika@contoso.example",
        "phone": "+49 30 1234567", "address_line1": "Unter den Linden 1", "address_line2": "",
        "city": "Berlin", "region": "",
        "postal_code": "10117", "country": "DE", "tax_id": "", "tenant_mode": "new",
        "domain_prefix": "contosogmbh", "domain_available": True,
    }
    return CustomerFacts(**{**defaults, **changes})


def reseller(**changes: object) -> ResellerFacts:
    """A lite reseller whose MPN ID and MPA Microsoft has confirmed."""
    defaults = {"id": 3, "company": "Fabrikam Partners", "mpn_id": MPN_ID, "mpn_valid": True,
                "listed": True,
                "mpa_verified": True}
    return ResellerFacts(**{**defaults, **changes})


def line(index: int = 0, **changes: object) -> LineFacts:
    """A cart line for 5 monthly Microsoft 365 Business Premium licenses (1-month term)."""
    defaults = {
        "index": index, "product_id": "CFQ7TTC0LCHC", "sku_id": "0002",
        "catalog_item_id": "CFQ7TTC0LCHC:0002:CFQ7TTC0LCHD",
        "title": "Microsoft 365 Business Premium",
        "family": "office365_business", "segment": "commercial", "billing_cycle": "monthly",
        "term_duration": "P1M", "quantity": 5, "min_quantity": 1, "max_quantity": 300,
    }
    return LineFacts(**{**defaults, **changes})


def annual(index: int = 0, **changes: object) -> LineFacts:
    """The default line billed annually on a 1-year term."""
    return line(index, **{"billing_cycle": "annual", "term_duration": "P1Y", **changes})


def dynamics_line(index: int = 0, **changes: object) -> LineFacts:
    """A Dynamics 365 line set to create a new subscription with every order (C4)."""
    return line(index, **{
        "product_id": "CFQ7TTC0LF8Q", "sku_id": "0001",
        "catalog_item_id": "CFQ7TTC0LF8Q:0001:CFQ7TTC0K5DP",
        "title": "Dynamics 365 Sales Enterprise", "family": "dynamics",
        "new_subscription_per_order": True, **changes})


def reservation_line(index: int = 0, **changes: object) -> LineFacts:
    """A one-year Azure reservation, paid once."""
    return line(index, **{
        "product_id": "DZH318Z0BQ4R", "sku_id": "00C1",
        "catalog_item_id": "DZH318Z0BQ4R:00C1:DZH318Z0C2HK",
        "title": "Reserved VM Instance, Standard_D2s_v3", "family": "azure_reservation",
        "billing_cycle": "one_time", "term_duration": "P1Y", "quantity": 1, **changes})


def subscription(sub_id: str = "sub-1", **changes: object) -> SubscriptionFacts:
    """An active monthly Business Premium subscription this reseller sold, in Partner Center."""
    defaults = {
        "id": sub_id, "product_id": "CFQ7TTC0LCHC", "sku_id": "0002",
        "family": "office365_business", "billing_cycle": "monthly", "term_duration": "P1M",
        "status": "active", "source": "partner_center",
        "reseller_mpn": MPN_ID,
    }
    return SubscriptionFacts(**{**defaults, **changes})


def context(**changes: object) -> CheckoutContext:
    """A context every rule accepts; pass customer=customer(...), lines=(...), etc. to vary."""
    defaults = {
        "buyer_kind": "reseller", "customer": customer(), "reseller": reseller(),
        "mca": McaFacts(required_version="2024-01", accepted_version="2024-01",
                     confirmed_by_reseller=True),
        "settings": BillingSettings(annual_billing_cycle_enabled=True,
                                 annual_provisioning_enabled=True),
        "lines": (line(),), "existing_subscriptions": (), "tax_id_countries": TAX_ID_COUNTRIES,
        "reservation_blocked_markets": BLOCKED_MARKETS, "urls": URLS, "today": TODAY,
    }
    return CheckoutContext(**{**defaults, **changes})


def direct(**changes: object) -> CheckoutContext:
    """A valid context for a direct customer that accepted the current MCA itself."""
    mca = McaFacts(required_version="2024-01", accepted_version="2024-01",
                   confirmed_by_reseller=False)
    return context(**{"buyer_kind": "direct", "reseller": None, "mca": mca, **changes})


def in_country(country: str, **changes: object) -> CheckoutContext:
    """A valid-looking customer moved to another country (address fields kept neutral)."""
    return context(customer=customer(country=country, region="", postal_code="", **changes))


def codes(problems) -> list[str]:
    """The problem codes, in order, for compact assertions."""
    return [p.code for p in problems]

