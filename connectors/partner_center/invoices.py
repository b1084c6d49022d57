"""The partner's invoices from Microsoft: GET /v1/invoices (get-a-collection-of-invoices).

Reconciliation (B6) starts here: the list says which invoices exist for a billing period;
each invoice's line items then come from the Graph export (connectors.graph.billing). The
collection pages by offset (`size`, `offset`; links.next.uri "/invoices?size=2&offset=2",
followed as given). Microsoft notes that new commerce ignores size and offset and answers
everything at once, which the same loop reads as one page. A listed invoice carries no PDF
link: only GET by id returns one, and it expires after 30 minutes (invoice-resources).
https://learn.microsoft.com/partner-center/developer/get-a-collection-of-invoices
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from connectors.partner_center import paging, wire
from connectors.partner_center.transport import Call, Transport

MAX_PAGE_SIZE = 200  # the documented sample's size; Microsoft names no maximum


def _amount(data: Any, key: str) -> Decimal:
    """An amount written as a JSON number (24606.35) or a string."""
    try:
        return Decimal(str(wire.get(data, key) or 0))
    except InvalidOperation:
        return Decimal(0)


@dataclass(frozen=True)
class InvoiceDetail:
    """Which line items an invoice holds: billing or usage ones, of which provider."""

    line_item_type: str  # billing_line_items | usage_line_items
    billing_provider: str  # office | azure | one_time | ...


@dataclass(frozen=True)
class Invoice:
    """One of Microsoft's invoices (or credit notes) to the partner."""

    id: str
    invoice_date: datetime | None
    billing_period_start: datetime | None
    billing_period_end: datetime | None
    total_charges: Decimal
    paid_amount: Decimal
    currency: str
    document_type: str  # invoice | void_note | adjustment_note ("Invoice", "Credit Note")
    invoice_type: str  # Recurring | OneTime
    details: tuple[InvoiceDetail, ...]
    amends: str  # the invoice an amendment corrects ("" for an invoice)
    amendments: tuple[Invoice, ...]

    @classmethod
    def from_wire(cls, data: Any) -> Invoice:
        """Read an Invoice resource (invoice-resources), amendments included."""
        return cls(
            id=wire.text(data, "id"), invoice_date=wire.timestamp(data, "invoiceDate"),
            billing_period_start=wire.timestamp(data, "billingPeriodStartDate"),
            billing_period_end=wire.timestamp(data, "billingPeriodEndDate"),
            total_charges=_amount(data, "totalCharges"), paid_amount=_amount(data, "paidAmount"),
            currency=wire.text(data, "currencyCode"),
            document_type=wire.text(data, "documentType"),
            invoice_type=wire.text(data, "invoiceType"),
            details=tuple(InvoiceDetail(wire.text(d, "invoiceLineItemType"),
                                        wire.text(d, "billingProvider"))
                          for d in wire.items(data, "invoiceDetails")),
            amends=wire.text(data, "amendsOf"),
            amendments=tuple(cls.from_wire(a) for a in wire.items(data, "amendments")))

    @property
    def is_invoice(self) -> bool:
        """An invoice rather than a credit, void or adjustment note."""
        return self.document_type.lower() in ("invoice", "")

    def covers(self, month: str) -> bool:
        """Whether the invoice's billing period starts in `month` ("YYYY-MM"), or, when
        the period is not given, whether it was issued in the month after."""
        if self.billing_period_start is not None:
            return self.billing_period_start.strftime("%Y-%m") == month
        if self.invoice_date is None:
            return False
        year, number = (int(part) for part in month.split("-"))
        following = (year + number // 12, number % 12 + 1)
        return (self.invoice_date.year, self.invoice_date.month) == following


class InvoicesApi:
    """Mixin of PartnerCenterClient: the partner's invoice list."""

    _transport: Transport

    def list_invoices(self, *, page_size: int = MAX_PAGE_SIZE,
                      correlation_id: str | None = None) -> Iterator[Invoice]:
        """Every invoice of the partner, page by page (offset paging), newest as given."""
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be 1..{MAX_PAGE_SIZE}, not {page_size}")
        call = Call("GET", "/v1/invoices", params={"size": page_size, "offset": 0},
                    correlation_id=correlation_id)
        for item in paging.items(self._transport, call):
            yield Invoice.from_wire(item)

    def invoices_for(self, month: str) -> tuple[Invoice, ...]:
        """The invoices whose billing period is `month` ("YYYY-MM")."""
        return tuple(i for i in self.list_invoices() if i.is_invoice and i.covers(month))
