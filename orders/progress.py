"""An order's progress as one snapshot: where it stands, why, and the history that led there.

The order page's badge, its history, the live status poll and the admin's order page all
read an `OrderProgress`, built from the order and its history loaded by one statement
(`with_history`). Loading the history by a second query, as the page once did, let a worker
commit a transition in between: the badge said "submitted" while the history already said
"provisioning". One SELECT sees one moment, on SQLite and PostgreSQL alike.

An order is final once it leaves the open statuses (provisioned, partly provisioned,
cancelled): nothing moves it on by itself any more, so nobody needs to keep asking.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Select
from sqlalchemy.orm import joinedload

from orders.models import OPEN_STATUSES, Order, OrderEvent, OrderLine, buyer_next_step


def status_label(status: str) -> str:
    """How a status reads on a page: "needs_attention" is shown as "needs attention"."""
    return status.replace("_", " ")


def is_final(status: str) -> bool:
    return status not in OPEN_STATUSES


@dataclass(frozen=True)
class Entry:
    """One transition of the history."""

    at: datetime
    status: str
    note: str

    @property
    def label(self) -> str:
        return status_label(self.status)


@dataclass(frozen=True)
class LineProgress:
    line_id: int
    number: int  # as the page numbers lines: from 1
    status: str
    error: str


@dataclass(frozen=True)
class OrderProgress:
    order_id: int
    number: str
    status: str
    reason: str
    next_step: str
    history: tuple[Entry, ...]
    lines: tuple[LineProgress, ...]

    @property
    def label(self) -> str:
        return status_label(self.status)

    @property
    def final(self) -> bool:
        return is_final(self.status)


def with_history(query: Select) -> Select:
    """`query` for orders, loading each order's history and lines in the same statement."""
    return query.options(joinedload(Order.events), joinedload(Order.lines)).execution_options(
        populate_existing=True)


def progress_of(order: Order) -> OrderProgress:
    """The order's progress; load the order through `with_history` so it is one moment."""
    return OrderProgress(
        order_id=order.id, number=order.number or str(order.id), status=order.status,
        reason=order.status_reason, next_step=order.next_step,
        history=tuple(_entry(event) for event in order.events),
        lines=tuple(_line(line) for line in order.lines))


def for_buyer(progress: OrderProgress) -> OrderProgress:
    """The progress as the reseller or customer who placed the order reads it: the admin's
    next step replaced by what the status means for them (models.BUYER_NEXT_STEPS)."""
    return replace(progress, next_step=buyer_next_step(
        progress.status, (line.status for line in progress.lines)))


def _entry(event: OrderEvent) -> Entry:
    return Entry(at=event.at, status=event.status, note=event.note)


def _line(line: OrderLine) -> LineProgress:
    return LineProgress(line_id=line.id, number=line.line_number + 1, status=line.status,
                        error=line.error_description)
