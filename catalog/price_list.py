"""Parse and validate Microsoft's NCE license-based price list (CSV) before anything is saved.

Every malformed row is reported with its line number and the field at fault, so an admin
can fix the file; the importer saves nothing while any row is malformed.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from catalog.models import TERMS

COLUMNS = ("ProductTitle", "ProductId", "SkuId", "SkuTitle", "Publisher", "SkuDescription",
           "UnitOfMeasure", "TermDuration", "BillingPlan", "Market", "Currency", "UnitPrice",
           "PricingTierRangeMin", "PricingTierRangeMax", "EffectiveStartDate",
           "EffectiveEndDate", "Tags", "ERP Price", "Segment")
BILLING_PLANS = {"monthly": "monthly", "annual": "annual", "triennial": "triennial",
                 "onetime": "one_time", "one_time": "one_time"}
SEGMENTS = {"commercial": "commercial", "education": "education", "academic": "education",
            "government": "government", "nonprofit": "nonprofit", "charity": "nonprofit"}


@dataclass(frozen=True, slots=True)
class PriceRow:
    line: int
    product_id: str
    product_title: str
    publisher: str
    sku_id: str
    sku_title: str
    sku_description: str
    unit_of_measure: str
    term_duration: str
    billing_cycle: str
    market: str
    currency: str
    unit_price: Decimal
    erp_price: Decimal
    tier_min: int
    tier_max: int | None
    effective_start: date | None
    effective_end: date | None
    tags: str
    segment: str

    @property
    def key(self) -> tuple:
        """The natural key of a price: one row per SKU, term, cycle, market, currency, tier."""
        return (self.product_id, self.sku_id, self.term_duration, self.billing_cycle,
                self.market, self.currency, self.tier_min)


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.message}"


class RowInvalid(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass
class ParseResult:
    rows: list[PriceRow]
    errors: list[RowError]


def parse(lines: Iterable[str]) -> ParseResult:
    """Read the whole file; return the valid rows and every error with its line number."""
    reader = csv.DictReader(_strip_bom(lines))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        return ParseResult([], [RowError(1, "header", "missing columns: " + ", ".join(missing))])
    rows, errors, seen = [], [], {}
    for record in reader:
        line = reader.line_num
        try:
            row = parse_row(record, line)
        except RowInvalid as exc:
            errors.append(RowError(line, exc.field, str(exc)))
            continue
        if row.key in seen:
            errors.append(RowError(line, "row", f"duplicates line {seen[row.key]}"))
            continue
        seen[row.key] = line
        rows.append(row)
    return ParseResult(rows, errors)


def _strip_bom(lines: Iterable[str]) -> Iterator[str]:
    for index, line in enumerate(lines):
        yield line.lstrip("\ufeff") if index == 0 else line


def parse_row(r: dict, line: int) -> PriceRow:
    """One CSV record as a PriceRow, or RowInvalid naming the field."""
    if None in r:
        raise RowInvalid("row", "has more columns than the header")
    billing = _choice(r, "BillingPlan", BILLING_PLANS)
    term = _text(r, "TermDuration", required=billing != "one_time").upper()
    if term and term not in TERMS:
        raise RowInvalid("TermDuration", f"{term!r} is not one of {', '.join(TERMS)}")
    return PriceRow(
        line=line, product_id=_text(r, "ProductId"), product_title=_text(r, "ProductTitle"),
        publisher=_text(r, "Publisher", required=False), sku_id=_text(r, "SkuId"),
        sku_title=_text(r, "SkuTitle"), sku_description=_text(r, "SkuDescription", False),
        unit_of_measure=_text(r, "UnitOfMeasure", False), term_duration=term,
        billing_cycle=billing, market=_code(r, "Market", 2), currency=_code(r, "Currency", 3),
        unit_price=_money(r, "UnitPrice"), erp_price=_money(r, "ERP Price"),
        tier_min=_int(r, "PricingTierRangeMin") or 1, tier_max=_int(r, "PricingTierRangeMax"),
        effective_start=_date(r, "EffectiveStartDate"), effective_end=_date(r, "EffectiveEndDate"),
        tags=_text(r, "Tags", False), segment=_choice(r, "Segment", SEGMENTS),
    )


def _text(r: dict, field: str, required: bool = True) -> str:
    value = (r.get(field) or "").strip()
    if required and not value:
        raise RowInvalid(field, "is empty")
    return value


def _choice(r: dict, field: str, allowed: dict[str, str]) -> str:
    value = _text(r, field).lower().replace(" ", "")
    if value not in allowed:
        raise RowInvalid(field, f"{r[field]!r} is not one of {', '.join(sorted(allowed))}")
    return allowed[value]


def _code(r: dict, field: str, length: int) -> str:
    value = _text(r, field).upper()
    if len(value) != length or not value.isalpha():
        raise RowInvalid(field, f"{value!r} is not a {length}-letter code")
    return value


def _money(r: dict, field: str) -> Decimal:
    raw = _text(r, field)
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise RowInvalid(field, f"{raw!r} is not a number") from None
    if not value.is_finite() or value < 0:
        raise RowInvalid(field, f"{raw!r} must be zero or more")
    return value


def _int(r: dict, field: str) -> int | None:
    raw = _text(r, field, required=False)
    if not raw:
        return None
    try:
        return int(Decimal(raw))
    except (InvalidOperation, OverflowError, ValueError):  # also "INFINITY" and "NaN"
        raise RowInvalid(field, f"{raw!r} is not a whole number") from None


def _date(r: dict, field: str) -> date | None:
    raw = _text(r, field, required=False)
    return _parse_date(field, raw) if raw else None


@lru_cache(maxsize=512)  # a price list repeats a handful of dates thousands of times
def _parse_date(field: str, raw: str) -> date:
    for parse_one in (lambda s: date.fromisoformat(s[:10]),
                      lambda s: datetime.strptime(s.split()[0], "%m/%d/%Y").date()):
        try:
            return parse_one(raw)
        except ValueError:
            continue
    raise RowInvalid(field, f"{raw!r} is not a date (use YYYY-MM-DD)")
