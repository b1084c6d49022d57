"""What each country calls an organisation's tax ID: NIP in Poland, CNPJ in Brazil, INN in
Russia, TRN in the UAE, USt-IdNr. in Germany, ABN in Australia, GSTIN in India, RFC in
Mexico.

The customer form labels its tax ID field with this name and K3's messages use it, so a
Polish buyer is asked for a NIP, never for an "INN". python-stdnum names each number in
the first line of its module's docstring ("NIP (Numer Identyfikacji Podatkowej, Polish VAT
number)."): the abbreviation before the parenthesis, and the English words after its last
comma. The module is the one the country's K3 validator checks with ("pl.nip" is
stdnum.pl.nip), else stdnum's VAT number of the country. NAMES gives the name where
stdnum has no module, or writes it other than customers do (Cyrillic ИНН, "Ust ID Nr.",
a meaning with parentheses of its own).
Elsewhere the field is a plain "Organization tax ID".
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from types import ModuleType

from stdnum.util import get_cc_module

from checkout.validators.tax_id import COUNTRY_FORMATS


@dataclass(frozen=True)
class TaxIdName:
    """A tax ID's name: the abbreviation people write (NIP) and what it is in English."""

    short: str
    meaning: str = ""

    @property
    def label(self) -> str:
        """The form's label, e.g. "NIP (Polish VAT number)"."""
        return f"{self.short} ({self.meaning})" if self.meaning else self.short


GENERIC = TaxIdName("Organization tax ID")

# Where stdnum has no module for the number, or spells it other than customers do.
NAMES = {
    "AE": TaxIdName("TRN", "UAE tax registration number"),
    "AM": TaxIdName("TIN", "Armenian taxpayer identification number"),
    "CY": TaxIdName("VAT number", "Cypriot VAT number"),
    "DE": TaxIdName("USt-IdNr.", "German VAT number"),
    # stdnum's own words nest parentheses in the label: "VAT (United Kingdom (and Isle of
    # Man) VAT registration number)".
    "GB": TaxIdName("VAT number", "UK VAT registration number"),
    "HU": TaxIdName("adószám", "Hungarian tax number"),
    "IL": TaxIdName("Company number", "Israeli company number"),
    "KG": TaxIdName("INN", "Kyrgyz taxpayer identification number"),
    "KZ": TaxIdName("BIN", "Kazakh business identification number"),
    "NZ": TaxIdName("IRD number", "New Zealand Inland Revenue number"),
    "RU": TaxIdName("INN", "Russian taxpayer identification number"),
    "SA": TaxIdName("VAT number", "Saudi VAT registration number"),
    "TJ": TaxIdName("INN", "Tajik taxpayer identification number"),
    "UZ": TaxIdName("INN", "Uzbek taxpayer identification number, STIR"),
}


@lru_cache(maxsize=512)
def tax_id_name(country: str, validator: str | None = None) -> TaxIdName:
    """The name of the country's organisation tax ID; `validator` is the K3 format the
    checkout checks it with (the admin's list may name another than the default)."""
    code = (country or "").strip().upper()
    if code in NAMES:
        return NAMES[code]
    module = _validator_module(code, validator) or _module(code, "vat")
    return _from_docstring(module) if module is not None else GENERIC


def _validator_module(country: str, validator: str | None) -> ModuleType | None:
    key = validator or COUNTRY_FORMATS.get(country, "")
    cc, _, name = key.partition(".")
    return _module(cc, name) if name else None


def _module(cc: str, name: str) -> ModuleType | None:
    """stdnum's module, if it has one (get_cc_module answers None for an unknown one)."""
    if len(cc) != 2 or not cc.isalpha():
        return None
    try:
        return get_cc_module(cc.lower(), name)
    except ImportError:  # a country package without that number
        return None


def _from_docstring(module: ModuleType) -> TaxIdName:
    doc = (module.__doc__ or "").strip()
    names, _, rest = (doc.splitlines()[0].rstrip(".") if doc else "").partition(" (")
    if not names:
        return GENERIC
    meaning = rest.rsplit(")", 1)[0].rsplit(", ", 1)[-1].strip()
    return TaxIdName(_latin_alias(names), meaning.removeprefix("the ").strip())


def _latin_alias(names: str) -> str:
    """The first of "УНП, UNP" written in Latin letters (our pages are in English), else
    the first."""
    aliases = [alias.strip() for alias in names.split(",") if alias.strip()]
    return next((alias for alias in aliases if _latin(alias)), aliases[0])


def _latin(text: str) -> bool:
    return all(not ch.isalpha() or unicodedata.name(ch, "").startswith("LATIN") for ch in text)


def tax_id_labels(validators: dict[str, str] | None = None,
                  countries: tuple[str, ...] = ()) -> dict[str, str]:
    """The form label for each of `countries` whose number has a name of its own (for the
    script that relabels the field when the country changes)."""
    validators = validators or {}
    names = {code: tax_id_name(code, validators.get(code)) for code in countries}
    return {code: name.label for code, name in names.items() if name != GENERIC}
