"""Organisation tax ids (K3): normalise and validate per country.

python-stdnum checks the published check digits where a module exists (explicit map,
because ``stdnum.util.get_cc_module`` is inconsistent for these countries); elsewhere only
the documented format is checked. Every failure says the expected format and an example.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from stdnum.az import voen
from stdnum.br import cnpj
from stdnum.by import unp
from stdnum.exceptions import InvalidChecksum, ValidationError
from stdnum.hu import anum
from stdnum.in_ import gstin, pan
from stdnum.md import idno
from stdnum.pl import nip
from stdnum.ru import inn
from stdnum.th import moa, pin
from stdnum.tr import vkn
from stdnum.ua import edrpou, rntrc
from stdnum.util import clean
from stdnum.ve import rif
from stdnum.vn import mst
from stdnum.za import tin as za_tin

FREE_TEXT_MAX = 50


class TaxIdError(ValueError):
    """The tax id cannot be accepted; the message names the expected format and an example."""

    def __init__(self, message: str, fmt: TaxIdFormat) -> None:
        super().__init__(f"{message} Expected {fmt.description}, for example {fmt.example}.")
        self.format = fmt


class MissingTaxId(TaxIdError):
    """No tax id was given."""


class InvalidTaxIdFormat(TaxIdError):
    """Wrong length or characters."""


class InvalidTaxIdChecksum(TaxIdError):
    """Right shape, but the check digits do not add up (usually a typing slip)."""


@dataclass(frozen=True)
class TaxIdFormat:
    """How one kind of tax id is checked and described to the user."""

    key: str
    description: str
    example: str
    check: Callable[[str], str]


def _stdnum(*modules) -> Callable[[str], str]:
    def check(value: str) -> str:
        error: ValidationError | None = None
        for module in modules:
            try:
                return module.validate(value)
            except ValidationError as exc:
                # Prefer reporting a checksum slip over "wrong format" from a sibling module.
                if error is None or isinstance(exc, InvalidChecksum):
                    error = exc
        raise error  # type: ignore[misc]
    return check


def _digits(pattern: str) -> Callable[[str], str]:
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        compact = clean(value, " -./").strip()
        if not compiled.fullmatch(compact):
            raise ValidationError()
        return compact
    return check


def _hungary(value: str) -> str:
    """ANUM (8 digits, optionally HU-prefixed) or the 11-digit domestic adószám."""
    compact = clean(value, " -./").strip().upper()
    if re.fullmatch(r"\d{8}[1-5]\d{2}", compact):
        # The adószám is ANUM core + VAT code + county code; only the core has a check digit.
        return f"{anum.validate(compact[:8])}-{compact[8]}-{compact[9:]}"
    return anum.validate(compact)


def _free_text(value: str) -> str:
    compact = " ".join(value.split())
    if not 1 <= len(compact) <= FREE_TEXT_MAX:
        raise ValidationError()
    return compact


def _fmt(key: str, description: str, example: str, check: Callable[[str], str]) -> TaxIdFormat:
    return TaxIdFormat(key, description, example, check)


FORMATS: dict[str, TaxIdFormat] = {f.key: f for f in (
    _fmt("ru.inn", "a 10-digit INN (12 digits for individuals)", "7707083893", _stdnum(inn)),
    _fmt("hu.anum", "an 8-digit tax number or the 11-digit adószám", "12892312-2-41", _hungary),
    _fmt("am.tin", "an 8-digit TIN", "02512345", _digits(r"\d{8}")),
    _fmt("az.voen", "a 10-digit VÖEN", "1401555071", _stdnum(voen)),
    _fmt("by.unp", "a 9-character UNP", "200988541", _stdnum(unp)),
    _fmt("kz.bin", "a 12-digit BIN", "123456789012", _digits(r"\d{12}")),
    _fmt("kg.inn", "a 14-digit INN", "01234567890123", _digits(r"\d{14}")),
    _fmt("md.idno", "a 13-digit IDNO", "1008600038413", _stdnum(idno)),
    _fmt("tj.inn", "a 9-digit INN", "123456789", _digits(r"\d{9}")),
    _fmt("uz.inn", "a 9-digit INN (STIR)", "123456789", _digits(r"\d{9}")),
    _fmt("ua.edrpou", "an 8-digit EDRPOU code (10-digit RNTRC for individuals)", "32855961",
         _stdnum(edrpou, rntrc)),
    _fmt("th.tin", "a 13-digit TIN", "0994000617721", _stdnum(moa, pin)),
    _fmt("vn.mst", "a 10-digit MST (13 digits for a branch)", "0100233488", _stdnum(mst)),
    _fmt("tr.vkn", "a 10-digit VKN", "4540536920", _stdnum(vkn)),
    _fmt("pl.nip", "a 10-digit NIP", "856-734-62-15", _stdnum(nip)),
    _fmt("za.tin", "a 10-digit income tax reference number", "0001339050", _stdnum(za_tin)),
    _fmt("in.gstin", "a 15-character GSTIN or a 10-character PAN", "27AAPFU0939F1ZV",
         _stdnum(gstin, pan)),
    _fmt("br.cnpj", "a 14-character CNPJ", "16.727.230/0001-97", _stdnum(cnpj)),
    _fmt("ve.rif", "a RIF: a letter and 9 digits", "J-00006372-9", _stdnum(rif)),
    _fmt("sa.vat", "a 15-digit VAT number that starts and ends with 3", "310122393500003",
         _digits(r"3\d{13}3")),
    _fmt("ae.trn", "a 15-digit TRN", "100123456700003", _digits(r"\d{15}")),
    _fmt("free_text", f"the registration number as issued (1-{FREE_TEXT_MAX} characters)",
         "RC-2021-001234", _free_text),
)}

# The validator each K3 country uses unless its data row names another.
COUNTRY_FORMATS: dict[str, str] = {
    "RU": "ru.inn", "HU": "hu.anum", "AM": "am.tin", "AZ": "az.voen", "BY": "by.unp",
    "KZ": "kz.bin", "KG": "kg.inn", "MD": "md.idno", "TJ": "tj.inn", "UZ": "uz.inn",
    "UA": "ua.edrpou", "TH": "th.tin", "VN": "vn.mst", "TR": "tr.vkn", "PL": "pl.nip",
    "ZA": "za.tin", "IN": "in.gstin", "BR": "br.cnpj", "IQ": "free_text", "MM": "free_text",
    "SS": "free_text", "SA": "sa.vat", "AE": "ae.trn", "VE": "ve.rif",
}


def format_for(country: str, validator: str | None = None) -> TaxIdFormat:
    """The format a country's tax id is checked against (free text when none is known). A
    format name this module does not know (a country list row typed before the admin page
    offered a choice; the page flags it) falls back to the country's own format: checkout
    still checks the number rather than failing every order of that country."""
    if validator in FORMATS:
        return FORMATS[validator]
    return FORMATS[COUNTRY_FORMATS.get(country.upper(), "free_text")]


def known_format(validator: str | None) -> bool:
    """Whether `validator` names a format here ("" and None: the country's own)."""
    return not validator or validator in FORMATS


def validate_tax_id(country: str, value: str, validator: str | None = None) -> str:
    """Return the normalised tax id, or raise a TaxIdError saying what is expected."""
    fmt = format_for(country, validator)
    if not value or not value.strip():
        raise MissingTaxId("No tax ID was given.", fmt)
    try:
        return fmt.check(value)
    except InvalidChecksum:
        raise InvalidTaxIdChecksum(
            "The check digits do not match; check it for a typing error.", fmt) from None
    except ValidationError:
        raise InvalidTaxIdFormat("It does not have the expected format.", fmt) from None
