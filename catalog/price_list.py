"""Parse and validate Microsoft's NCE license-based price list (CSV) before anything is saved.

Every malformed row is reported with its line number and the field at fault, so an admin
can fix the file; the importer saves nothing while any row is malformed.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from itertools import chain

from catalog.bulk import paused_gc
from catalog.models import TERMS
from persistence import MAX_ID, MAX_MONEY

COLUMNS = ("ProductTitle", "ProductId", "SkuId", "SkuTitle", "Publisher", "SkuDescription",
           "UnitOfMeasure", "TermDuration", "BillingPlan", "Market", "Currency", "UnitPrice",
           "PricingTierRangeMin", "PricingTierRangeMax", "EffectiveStartDate",
           "EffectiveEndDate", "Tags", "ERP Price", "Segment")
BILLING_PLANS = {"monthly": "monthly", "annual": "annual", "triennial": "triennial",
                 "onetime": "one_time", "one_time": "one_time"}
MONEY_STEP = Decimal("0.0001")  # a Money column's four decimals
SEGMENTS = {"commercial": "commercial", "education": "education", "academic": "education",
            "government": "government", "nonprofit": "nonprofit", "charity": "nonprofit"}


# Not frozen: a frozen dataclass's __init__ costs six times more, and a file has 50,000 rows.
@dataclass(slots=True)
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
        """The natural key of a price: one row per SKU, term, cycle, market, currency, tier
        and start date (a list may hold today's row and the one that replaces it,
        catalog/effective.py)."""
        return (self.product_id, self.sku_id, self.term_duration, self.billing_cycle,
                self.market, self.currency, self.tier_min, self.effective_start)


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
    reader = csv.reader(_strip_bom(lines))
    header = next(reader, [])
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        return ParseResult([], [RowError(1, "header", "missing columns: " + ", ".join(missing))])
    # Cells are picked by position, in COLUMNS order: 50,000 dicts per file cost more than
    # every check below together.
    positions = [header.index(c) for c in COLUMNS]
    with paused_gc():
        return _parse_records(reader, positions, len(header))


def _parse_records(reader, positions: list[int], width: int) -> ParseResult:
    rows, errors, seen, parse_row = [], [], {}, _RowParser()
    for record in reader:
        if not record:
            continue  # a blank line, as DictReader skips it
        line = reader.line_num
        try:
            row = parse_row(_cells(record, positions, width), line)
        except RowInvalid as exc:
            errors.append(RowError(line, exc.field, str(exc)))
            continue
        key = row.key
        if key in seen:
            errors.append(RowError(line, "row", f"duplicates line {seen[key]}"))
            continue
        seen[key] = line
        rows.append(row)
    return ParseResult(rows, errors)


def _strip_bom(lines: Iterable[str]) -> Iterator[str]:
    lines = iter(lines)
    first = next(lines, None)
    return chain(() if first is None else (first.lstrip("\ufeff"),), lines)


def _cells(record: list[str], positions: list[int], width: int) -> list[str]:
    """The row's cells in COLUMNS order, stripped; missing trailing cells are empty."""
    if len(record) > width:
        raise RowInvalid("row", "has more columns than the header")
    if len(record) < width:
        record = record + [""] * (width - len(record))
    return [record[i].strip() for i in positions]


class _Checked(dict):
    """Raw cell → its checked value, checked once per distinct cell: a price list repeats a
    few hundred prices, a handful of markets, plans and dates across 50,000 rows. Invalid
    cells raise RowInvalid every time (they are never stored)."""

    def __init__(self, check: Callable[[str], object]):
        super().__init__()
        self._check = check

    def __missing__(self, raw: str):
        value = self[raw] = self._check(raw)
        return value


class _RowParser:
    """Parses records of one file: `parser(cells, line)` → PriceRow, or RowInvalid naming
    the first field at fault."""

    def __init__(self) -> None:
        self.plan = _Checked(lambda raw: _choice("BillingPlan", raw, BILLING_PLANS))
        self.term = _Checked(_term)
        self.market = _Checked(lambda raw: _code("Market", raw, 2))
        self.currency = _Checked(lambda raw: _code("Currency", raw, 3))
        self.unit_price = _Checked(lambda raw: _money("UnitPrice", raw))
        self.erp_price = _Checked(lambda raw: _money("ERP Price", raw))
        self.tier_min = _Checked(lambda raw: _int("PricingTierRangeMin", raw) or 1)
        self.tier_max = _Checked(lambda raw: _int("PricingTierRangeMax", raw))
        self.start = _Checked(lambda raw: _date("EffectiveStartDate", raw) if raw else None)
        self.end = _Checked(lambda raw: _date("EffectiveEndDate", raw) if raw else None)
        self.segment = _Checked(lambda raw: _choice("Segment", raw, SEGMENTS))

    def __call__(self, cells: Sequence[str], line: int) -> PriceRow:
        (product_title, product_id, sku_id, sku_title, publisher, sku_description,
         unit_of_measure, term, plan, market, currency, unit_price, tier_min, tier_max,
         start, end, tags, erp_price, segment) = cells
        billing, term = self.plan[plan], self.term[term]
        if not term and billing != "one_time":
            raise RowInvalid("TermDuration", "is empty")
        if not (product_id and product_title and sku_id and sku_title):  # then say which
            for field, value in (("ProductId", product_id), ("ProductTitle", product_title),
                                 ("SkuId", sku_id), ("SkuTitle", sku_title)):
                if not value:
                    raise RowInvalid(field, "is empty")
        starts, ends = self.start[start], self.end[end]
        if starts is not None and ends is not None and ends < starts:
            raise RowInvalid("EffectiveEndDate", f"{ends} is before the EffectiveStartDate "
                             f"{starts}: a row sells from its start through its end")
        least, most = self.tier_min[tier_min], self.tier_max[tier_max]
        if most is not None and most < least:
            raise RowInvalid("PricingTierRangeMax", f"{most} is below the PricingTierRangeMin "
                             f"{least}: a row prices the licence counts from its minimum "
                             "through its maximum")
        return PriceRow(
            line, product_id, product_title, publisher, sku_id, sku_title, sku_description,
            unit_of_measure, term, billing, self.market[market], self.currency[currency],
            self.unit_price[unit_price], self.erp_price[erp_price], least,
            most, starts, ends, tags,
            self.segment[segment])


def _term(raw: str) -> str:
    term = raw.upper()
    if term and term not in TERMS:
        raise RowInvalid("TermDuration", f"{term!r} is not one of {', '.join(TERMS)}")
    return term


def _choice(field: str, raw: str, allowed: dict[str, str]) -> str:
    value = allowed.get(raw.lower().replace(" ", ""))
    if value is None:
        if not raw:
            raise RowInvalid(field, "is empty")
        raise RowInvalid(field, f"{raw!r} is not one of {', '.join(sorted(allowed))}")
    return value


def _code(field: str, raw: str, length: int) -> str:
    if not raw:
        raise RowInvalid(field, "is empty")
    value = raw.upper()
    if len(value) != length or not value.isalpha():
        raise RowInvalid(field, f"{value!r} is not a {length}-letter code")
    return value


def _money(field: str, raw: str) -> Decimal:
    if not raw:
        raise RowInvalid(field, "is empty")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise RowInvalid(field, f"{raw!r} is not a number") from None
    if not value.is_finite() or value < 0:
        raise RowInvalid(field, f"{raw!r} must be zero or more")
    # The column is NUMERIC(14, 4): a larger amount fails the whole import at the database
    # (naming no line), and a fifth decimal would be rounded away unsaid.
    if value > MAX_MONEY:
        raise RowInvalid(field, f"{raw!r} is more than {MAX_MONEY}, the largest amount kept")
    if value != value.quantize(MONEY_STEP):
        raise RowInvalid(field, f"{raw!r} has more than 4 decimals")
    return value


def _int(field: str, raw: str) -> int | None:
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise RowInvalid(field, f"{raw!r} is not a whole number") from None
    # Checked as a Decimal: int() of "1e99999999" builds every digit (minutes of a worker),
    # and "INFINITY", "NaN" and "1.5" are no count.
    if not value.is_finite() or value != value.to_integral_value():
        raise RowInvalid(field, f"{raw!r} is not a whole number")
    if not 0 <= value <= MAX_ID:  # the column's integer: beyond it the whole import fails
        raise RowInvalid(field, f"{raw!r} is not between 0 and {MAX_ID}")
    return int(value)


def _date(field: str, raw: str) -> date:
    for parse_one in (lambda s: date.fromisoformat(s[:10]),
                      lambda s: datetime.strptime(s.split()[0], "%m/%d/%Y").date()):
        try:
            return parse_one(raw)
        except ValueError:
            continue
    raise RowInvalid(field, f"{raw!r} is not a date (use YYYY-MM-DD)")
