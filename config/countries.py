"""Country names, codes and the admin-editable country lists in config/data/.

Everything is keyed on ISO 3166-1 alpha-2. Names from Microsoft's documents are mapped
with an explicit alias table first and pycountry's exact ``lookup`` second; fuzzy search
is never used (it maps Kosovo to Serbia and Jan Mayen to Norway).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pycountry

DATA_DIR = Path(__file__).with_name("data")

# Names Microsoft (or users) write that pycountry's exact lookup misses or gets wrong.
NAME_ALIASES: dict[str, str] = {
    "Kosovo": "XK",  # user-assigned code, not in pycountry
    "Aland Islands": "AX",  # ISO spells it with Å
    "Bonaire": "BQ", "Saba": "BQ", "Sint Eustatius": "BQ",
    "Svalbard": "SJ", "Jan Mayen": "SJ",
    "Congo (DRC)": "CD", "Democratic Republic of the Congo": "CD",
    "Swaziland": "SZ",
    "St Helena, Ascension, Tristan da Cunha": "SH",
    "Pitcairn Islands": "PN",
    "South Georgia and South Sandwich Islands": "GS",
    "U.S. Outlying Islands": "UM",
    "Vatican City": "VA",
    "Falkland Islands": "FK",
    "Micronesia": "FM",
    "Reunion": "RE",
    "Saint Martin": "MF",
    "Sint Maarten": "SX",
    "São Tomé and Príncipe": "ST",
    "British Virgin Islands": "VG",
    "Laos": "LA",
    "Turkey": "TR",
    "Macedonia": "MK",
    "Palestine": "PS",
}
# Display names for codes pycountry does not know.
EXTRA_NAMES: dict[str, str] = {"XK": "Kosovo"}


def to_alpha2(name: str) -> str:
    """The ISO alpha-2 code for a country name or code; LookupError when not exact."""
    alias = NAME_ALIASES.get(name.strip())
    if alias:
        return alias
    if name.strip().upper() in EXTRA_NAMES:
        return name.strip().upper()
    return pycountry.countries.lookup(name.strip()).alpha_2


def country_name(code: str) -> str:
    """A display name for an alpha-2 code (common name where ISO's is awkward)."""
    code = code.upper()
    if code in EXTRA_NAMES:
        return EXTRA_NAMES[code]
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        raise LookupError(code)
    return getattr(country, "common_name", None) or country.name


def load_seed(name: str) -> Any:
    """The parsed JSON seed config/data/<name>.json."""
    with (DATA_DIR / f"{name}.json").open(encoding="utf-8") as handle:
        return json.load(handle)


def load_country_list(name: str) -> frozenset[str]:
    """The alpha-2 codes of a seed country list (each entry has a "code")."""
    return frozenset(entry["code"].upper() for entry in load_seed(name)["countries"])


def load_country_rows(name: str) -> list[dict[str, Any]]:
    """The entries of a seed country list as plain rows (e.g. the K3 tax id countries)."""
    return list(load_seed(name)["countries"])
