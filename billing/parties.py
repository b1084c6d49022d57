"""Who an invoice is from and to, as it states them (B4): the issuer's and the buyer's name,
address and tax id, copied onto the invoice when it is issued so that a later change of an
address or a tax id never alters an invoice already sent.

The provider's own details are its settings (STOREFRONT_PROVIDER_NAME, _ADDRESS with lines
separated by ";", _TAX_ID); a reseller issuing an OSPA invoice (O6) is known by what the
storefront holds about it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from babel import Locale, UnknownLocaleError
from flask import current_app

from accounts.models import Customer, Reseller
from catalog.pricing import buyer_locale, format_money
from persistence import db
from persistence.money import round_money

PROVIDER = "provider"


@dataclass(frozen=True)
class Party:
    name: str
    address: str  # lines separated by newlines
    tax_id: str


def issuer_party(issuer: str) -> Party:
    """The issuer of a series: the provider, or "reseller:<id>" for a partner's OSPA
    invoices (billing.ospa)."""
    if issuer.startswith("reseller:"):
        reseller = db.session.get(Reseller, int(issuer.partition(":")[2]))
        lines = [reseller.contact_name, reseller.contact_email,
                 f"MPN ID {reseller.mpn_id}" if reseller.mpn_id else ""]
        return Party(reseller.company_name, "\n".join(x for x in lines if x), "")
    config = current_app.config
    address = [line.strip() for line in config.get("PROVIDER_ADDRESS", "").split(";")]
    return Party(config["PROVIDER_NAME"], "\n".join(x for x in address if x),
                 config.get("PROVIDER_TAX_ID", ""))


def buyer_party(reseller_id: int | None, customer_id: int | None) -> Party:
    """A reseller (invoiced for its customers) or a customer, as the invoice keeps it."""
    if reseller_id:
        reseller = db.session.get(Reseller, reseller_id)
        lines = [reseller.contact_name, reseller.contact_email,
                 f"MPN ID {reseller.mpn_id}" if reseller.mpn_id else ""]
        return Party(reseller.company_name, "\n".join(x for x in lines if x), "")
    c = db.session.get(Customer, customer_id)
    lines = [c.address_line1, c.address_line2, " ".join(x for x in (c.postal_code, c.city) if x),
             c.region, c.country]
    return Party(c.company_name, "\n".join(x for x in lines if x), c.tax_id)


def buyer_money_locale(customer: Customer | None, country: str) -> str:
    """How an invoice to this buyer writes money: a direct customer's own language and
    country; for a reseller, the usual locale of the invoice's market (DE: 1.234,50 €)."""
    if customer is not None:
        return buyer_locale(customer.language, customer.country)
    try:
        return str(Locale.parse(f"und_{country}"))
    except (UnknownLocaleError, ValueError):
        return "en_US"


def buyer_money(amount: Decimal, currency: str, reseller_id: int | None,
                customer_id: int | None, country: str) -> str:
    """An amount as an invoice to this buyer (a reseller, else the customer) would write it,
    rounded once (B5): for the messages a billing run leaves beside its invoices."""
    customer = None if reseller_id else db.session.get(Customer, customer_id)
    return format_money(round_money(amount, currency), currency,
                        buyer_money_locale(customer, country))


def invoice_money(invoice) -> Callable[[Decimal | None], str]:
    """How an invoice writes its amounts, for its pages and every message about it (a
    payment, a reversal, a credit note's limit): Babel, in the invoice's currency and its
    buyer's locale (buyer_money_locale), so a message says "$119.00" as the invoice does."""
    locale = invoice_locale(invoice)
    return lambda amount: "—" if amount is None else format_money(amount, invoice.currency,
                                                                   locale)


def invoice_locale(invoice) -> str:
    """The locale an invoice writes numbers in: its buyer's (buyer_money_locale)."""
    return buyer_money_locale(invoice.buyer_customer, invoice.tax_country)


def snapshot(issuer: str, reseller_id: int | None, customer_id: int | None) -> dict:
    """The invoice's party columns, as of now."""
    sender, buyer = issuer_party(issuer), buyer_party(reseller_id, customer_id)
    return {"issuer_name": sender.name, "issuer_address": sender.address,
            "issuer_tax_id": sender.tax_id, "buyer_name": buyer.name,
            "buyer_address": buyer.address, "buyer_tax_id": buyer.tax_id}
