"""K2 Postal code: the postal code must be valid for the customer's country.

Partner Center rejects invalid postal codes, so we check them first against Google's
address data for the country: the whole code must match (trailing text is not
tolerated), ignoring case and extra spaces. Countries without postal codes (the United
Arab Emirates, Hong Kong, ...) are never asked for one, and a code typed there anyway is
ignored, not refused; it is dropped before sending. A missing code where one is required
is K1's problem, so an empty code is not judged here.
"""

from __future__ import annotations

from checkout.context import CheckoutContext
from checkout.problems import Problem
from checkout.validators.address import (
    country_name,
    fits_region,
    is_known_country,
    is_valid_postal_code,
    requirements,
)

RULE = "K2"


def check(ctx: CheckoutContext) -> list[Problem]:
    """A problem when a given postal code does not fit the customer's country."""
    customer = ctx.customer
    country = customer.country.strip().upper()
    if not customer.postal_code.strip() or not is_known_country(country):
        return []
    if is_valid_postal_code(country, customer.postal_code):
        return _outside_region(ctx)
    examples = " or ".join(requirements(country).postal_examples[:2])
    return [Problem(
        RULE, f"{RULE}.invalid_postal_code",
        f"{customer.postal_code.strip()!r} is not a valid postal code for "
        f"{country_name(country)}. "
        f"Correct the postal code on the customer's details (for example {examples}).",
        "postal_code", ctx.urls.customer_field("postal_code"),
    )]


def _outside_region(ctx: CheckoutContext) -> list[Problem]:
    """A code of the country that is not its state's (a California ZIP with New York)."""
    customer = ctx.customer
    region = (customer.region or "").strip()
    if fits_region(customer.country, region, customer.postal_code):
        return []
    return [Problem(
        RULE, f"{RULE}.postal_code_outside_region",
        f"{customer.postal_code.strip()!r} is not a postal code of {region} "
        f"({country_name(customer.country)}). Check the state and the postal code on the "
        "customer's details: Partner Center refuses an address whose postal code is "
        "another state's.",
        "postal_code", ctx.urls.customer_field("postal_code"),
    )]
