"""K3 Tax ID: customers in the listed countries must give a valid organisation tax id.

The countries, the date each became mandatory and the check used come from the
admin-editable list (ctx.tax_id_countries, seeded from config/data/k3_tax_id_countries.json).
From its required_from date a customer in such a country needs a tax id that passes the
country's check: published check digits where python-stdnum has them, the documented
format elsewhere, free text of at most 50 characters where no format is published.
Elsewhere the field is not asked for and not checked.
"""

from __future__ import annotations

from checkout.context import CheckoutContext
from checkout.problems import Problem
from checkout.validators.tax_id import (
    InvalidTaxIdChecksum,
    MissingTaxId,
    TaxIdError,
    format_for,
    validate_tax_id,
)

RULE = "K3"


def check(ctx: CheckoutContext) -> list[Problem]:
    """A problem when a required tax id is missing, malformed or has wrong check digits."""
    country = ctx.tax_id_countries.get(ctx.customer.country.strip().upper())
    if country is None or ctx.today < country.required_from:
        return []
    try:
        validate_tax_id(country.code, ctx.customer.tax_id, country.validator)
    except TaxIdError as error:
        return [_problem(ctx, _slug(error), f"{_what(error, country.name)} {error}")]
    return []


def _slug(error: TaxIdError) -> str:
    if isinstance(error, MissingTaxId):
        return "missing_tax_id"
    if isinstance(error, InvalidTaxIdChecksum):
        return "invalid_tax_id_checksum"
    return "invalid_tax_id_format"


def _what(error: TaxIdError, country_name: str) -> str:
    if isinstance(error, MissingTaxId):
        return f"Customers in {country_name} must give their organisation's tax ID (INN)."
    return f"This is not a valid organisation tax ID for {country_name}."


def _problem(ctx: CheckoutContext, slug: str, message: str) -> Problem:
    return Problem(RULE, f"{RULE}.{slug}", message, "tax_id", ctx.urls.customer_edit)


def describe(country: str, validator: str | None = None) -> str:
    """The hint the form shows beside the tax id field for a country."""
    fmt = format_for(country, validator)
    return f"{fmt.description}, for example {fmt.example}"
