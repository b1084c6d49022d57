"""K3 Tax ID: customers in the listed countries must give a valid organisation tax id.

The countries, the date each became mandatory and the check used come from the
admin-editable list (ctx.tax_id_countries, seeded from config/data/k3_tax_id_countries.json).
From its required_from date a customer in such a country needs a tax id that passes the
country's check: published check digits where python-stdnum has them, the documented
format elsewhere, free text of at most 50 characters where no format is published.
Elsewhere the field is not asked for and not checked. The messages name the number as the
country does (NIP, CNPJ, INN…: checkout/validators/tax_id_names.py).
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
from checkout.validators.tax_id_names import GENERIC, TaxIdName, tax_id_name

RULE = "K3"


def check(ctx: CheckoutContext) -> list[Problem]:
    """A problem when a required tax id is missing, malformed or has wrong check digits."""
    country = ctx.tax_id_countries.get(ctx.customer.country.strip().upper())
    if country is None or ctx.today < country.required_from:
        return []
    try:
        validate_tax_id(country.code, ctx.customer.tax_id, country.validator)
    except TaxIdError as error:
        what = _what(error, country.name, tax_id_name(country.code, country.validator))
        return [_problem(ctx, _slug(error), f"{what} {error}")]
    return []


def _slug(error: TaxIdError) -> str:
    if isinstance(error, MissingTaxId):
        return "missing_tax_id"
    if isinstance(error, InvalidTaxIdChecksum):
        return "invalid_tax_id_checksum"
    return "invalid_tax_id_format"


def _what(error: TaxIdError, country_name: str, name: TaxIdName) -> str:
    """The number named as the country names it: a Polish buyer is asked for a NIP."""
    if name == GENERIC:
        number, short = "their organisation's tax ID", "organisation tax ID"
    else:
        number, short = f"their organisation's {name.label}", name.short
    if isinstance(error, MissingTaxId):
        return f"Customers in {country_name} must give {number}."
    return f"This is not a valid {short} for {country_name}."


def _problem(ctx: CheckoutContext, slug: str, message: str) -> Problem:
    return Problem(RULE, f"{RULE}.{slug}", message, "tax_id",
                   ctx.urls.customer_field("tax_id"))


def describe(country: str, validator: str | None = None) -> str:
    """The hint the form shows beside the tax id field for a country."""
    fmt = format_for(country, validator)
    return f"{fmt.description}, for example {fmt.example}"
