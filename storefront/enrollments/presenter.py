"""What the enrollment page shows, computed once from the rows and the domain."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from commitments import lifecycle
from commitments.balance import Balance, burn_down, term_balance, thresholds_reached
from commitments.enrollment import TERM_YEARS, Document, Status, term_bounds, term_year
from commitments.orders import annual_amount
from commitments.records import mapping, models
from commitments.schedule import annual_order_window
from storefront.enrollments.chart import Chart, burn_down_chart
from storefront.enrollments.forms import DOCUMENT_LABELS


@dataclass(frozen=True)
class YearView:
    """One commitment year: dates, yearly order, the O2 window, balance and chart."""

    year: int
    first: date
    last: date
    commitment: Decimal | None
    window: tuple[date, date] | None
    balance: Balance
    thresholds: tuple[int, ...]
    chart: Chart | None


@dataclass(frozen=True)
class DocumentView:
    document: Document
    label: str
    signed: models.SignedDocument | None


def _year(row: models.Enrollment, orders, usage, year: int, today: date,
          offsets=()) -> YearView:
    first, last = term_bounds(row.start, year)
    window = annual_order_window(first) if year > 1 else None
    # O3: an offset's order funds overage instead of later usage, from the offset's day.
    balance = term_balance(row.start, orders, usage, year, today, offsets)
    chart = None
    if first <= today:
        points = burn_down(row.start, orders, usage, year, today, offsets)
        chart = burn_down_chart(points, first, last, balance.funded)
    return YearView(year, first, last, annual_amount(orders, year), window, balance,
                    thresholds_reached(balance), chart)


def documents(row: models.Enrollment) -> list[DocumentView]:
    """The package checklist in package order, with who signed each and when (O1)."""
    signed = {d.document: d for d in row.documents}
    return [DocumentView(d, DOCUMENT_LABELS[d], signed.get(d.value)) for d in Document]


def page(row: models.Enrollment, today: date) -> dict:
    """Template values for the enrollment page."""
    state = mapping.to_enrollment(row)
    orders, usage = mapping.to_orders(row), mapping.to_usage(row)
    offsets = tuple(mapping.to_offset(o) for s in row.settlements for o in s.offsets)
    years = [_year(row, orders, usage, y, today, offsets) for y in range(1, TERM_YEARS + 1)]
    return {
        "state": state,
        "today": today,
        "current_year": term_year(row.start, today),
        "transitions": sorted(lifecycle.allowed_transitions(state.status), key=list(Status).index),
        "documents": documents(row),
        "years": years,
        "deprovision_on": lifecycle.deprovision_on(state),
        "data_retained": lifecycle.data_retained(state, today),
        "recent_usage": list(reversed(row.usage))[:20],
    }
