"""What the enrollment page shows, computed once from the rows and the domain."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from commitments import lifecycle
from commitments.balance import Balance, burn_down, term_balance, thresholds_reached
from commitments.enrollment import TERM_YEARS, Document, Status, term_bounds, term_year
from commitments.money import ZERO, format_rmb
from commitments.orders import annual_amount
from commitments.records import mapping, models, overage_due
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
    overage_due: Decimal = ZERO  # of the overage, what is neither paid nor offset (O8)


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
                    thresholds_reached(balance), chart,
                    _still_due(row, first, last, balance.overage, today))


def _still_due(row: models.Enrollment, first: date, last: date, overage: Decimal,
               today: date) -> Decimal:
    """The term's overage less what its months' invoices were paid or credited (offsets):
    what the customer still owes of it, so the page never shows it as all owed."""
    settled = sum((overage_due.settled_net(link, today) for month, link
                   in overage_due.overage_invoices(row).items() if first <= month <= last),
                  start=ZERO)
    return max(overage - settled, ZERO)


def settlement_states(row: models.Enrollment, today: date) -> dict[int, str]:
    """The "Paid or offset" cell of each month's answer: the day it was settled, or how
    much of it is offset or paid and still due while it is only partly so (O3, O8)."""
    invoices = overage_due.overage_invoices(row)
    return {s.id: _settlement_state(s, invoices.get(s.month), today) for s in row.settlements}


def _partly(due: overage_due.MonthDue) -> str:
    """What of the month is settled, net of tax: partly offset, partly paid, or both."""
    if due.offset and due.paid:
        return (f"Partly offset and paid: {format_rmb(due.offset)} offset, "
                f"{format_rmb(due.paid)} paid of {format_rmb(due.invoiced)}")
    label, part = ("offset", due.offset) if due.offset else ("paid", due.paid)
    return f"Partly {label}: {format_rmb(part)} of {format_rmb(due.invoiced)}"


def _settlement_state(settlement: models.OverageSettlement,
                      link: models.EnrollmentInvoice | None, today: date) -> str:
    due = overage_due.month_due(settlement, link, today)
    if due is not None and due.partly_settled:
        return (f"{_partly(due)}; {format_rmb(due.due)} still due "
                f"({format_rmb(due.due_with_tax)} with VAT on {due.number})")
    day = settlement.settled_on or (overage_due.settled_on(link) if link else None)
    return day.isoformat() if day else "—"


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
        "settlement_states": settlement_states(row, today),
    }
