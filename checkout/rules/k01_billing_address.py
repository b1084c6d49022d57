"""K1 Billing address: the end customer needs a complete billing address before checkout.

Complete means: company name, contact first and last name, a valid email, the first
address line, and the country; the city, the region and the postal code wherever the
country's address format requires them (Google's address data: Ireland has no required
postal code, Japan no city, the United States a state); and a phone number in the
countries where Partner Center demands one, which are the K3 tax-id countries.

This applies to direct customers as well as lite resellers' customers: Partner Center
creates every customer with a real physical address, so a direct order without one would
only fail later, after payment. Postal codes are judged by K2, against the country and the
region's own postal codes; here we ask that they are present, and, where Google's data
names every state as customers write them (the United States, Canada, Australia), that the
state is one of them.
"""

from __future__ import annotations

from functools import lru_cache

from email_validator import EmailNotValidError, validate_email

from checkout.context import CheckoutContext
from checkout.problems import Problem
from checkout.validators.address import (
    country_name,
    is_known_country,
    is_known_region,
    region_examples,
    requirements,
)

RULE = "K1"

# Partner Center's own limits on the billing profile (create-a-customer).
MAX_LENGTHS = {
    "contact_first_name": 50, "contact_last_name": 50,
    "address_line1": 200, "address_line2": 200, "company_name": 255,
}
LABELS = {
    "company_name": "company name", "contact_first_name": "contact's first name",
    "contact_last_name": "contact's last name", "email": "email address",
    "address_line1": "first address line", "address_line2": "second address line",
    "city": "city", "region": "state or region", "postal_code": "postal code",
    "phone": "phone number", "country": "country",
}
ALWAYS_REQUIRED = ("company_name", "contact_first_name", "contact_last_name", "email",
                   "address_line1", "country")


def check(ctx: CheckoutContext) -> list[Problem]:
    """Every missing, malformed or over-long part of the customer's billing address."""
    customer = ctx.customer
    problems = [_missing(ctx, name) for name in _required_fields(ctx)
                if not str(getattr(customer, name) or "").strip()]
    problems += _too_long(ctx)
    if customer.email.strip() and not _is_email(customer.email):
        problems.append(_problem(ctx, "invalid_email", "email",
                                 f"The email address {customer.email!r} is not valid. "
                                 "Enter an address like billing@example.com."))
    if customer.country.strip() and not is_known_country(customer.country):
        problems.append(_problem(ctx, "unknown_country", "country",
                                 f"{customer.country!r} is not a country code we know. "
                                 "Choose the country from the list."))
    elif not is_known_region(customer.country, customer.region or ""):
        problems.append(_unknown_region(ctx))
    return problems


def _unknown_region(ctx: CheckoutContext) -> Problem:
    country = ctx.customer.country
    examples = " or ".join(region_examples(country))
    return _problem(ctx, "unknown_region", "region",
                    f"{ctx.customer.region.strip()!r} is not a state or region of "
                    f"{country_name(country)}. Enter its code or name on the customer's "
                    f"details (for example {examples}); Partner Center refuses the address "
                    "otherwise.")


def _required_fields(ctx: CheckoutContext) -> list[str]:
    country = ctx.customer.country.strip().upper()
    fields = list(ALWAYS_REQUIRED)
    if is_known_country(country):
        fields += sorted(requirements(country).required - set(fields))
    if country in ctx.tax_id_countries:
        fields.append("phone")
    return fields


def _missing(ctx: CheckoutContext, name: str) -> Problem:
    by_country = name in {"region", "postal_code"}
    where = f" for {country_name(ctx.customer.country)}" if by_country else ""
    return _problem(ctx, f"missing_{name}", name,
                    f"The billing address has no {LABELS[name]}{where}. Enter the "
                    f"{LABELS[name]} on the customer's details; Partner Center needs it.")


def _too_long(ctx: CheckoutContext) -> list[Problem]:
    return [
        _problem(ctx, f"{name}_too_long", name,
                 f"The {LABELS[name]} is longer than {limit} characters. Shorten it to "
                 f"{limit} characters or fewer.")
        for name, limit in MAX_LENGTHS.items()
        if len(getattr(ctx.customer, name) or "") > limit
    ]


@lru_cache(maxsize=4096)  # pure, and a customer's address is checked on each of its orders
def _is_email(value: str) -> bool:
    try:
        validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def _problem(ctx: CheckoutContext, slug: str, field: str, message: str) -> Problem:
    return Problem(RULE, f"{RULE}.{slug}", message, field, ctx.urls.customer_field(field))
