"""Microsoft's billed invoice reconciliation on Graph v1.0 `reports/partners/billing`.

The flow is asynchronous (billed-invoice-reconciliation, "API v2 (GA)"): POST
/reconciliation/billed/export {invoiceId, attributeSet} answers 202 with a Location to poll;
GET on it answers 200 every time, with a runningOperation (and Retry-After), an
exportSuccessOperation naming the manifest, or a failedOperation; the manifest lists gzip
JSON Lines blobs, read with its SAS token. Polling honours Retry-After but is bounded
(Microsoft's own sample gives up after a few polls and starts over): a caller is never held
for longer than `max_polls` waits of at most `max_wait` seconds each.

The billed Azure usage export (/usage/billed/export) takes the same request and answers
through the same operations and manifests.

Permission PartnerBilling.Read.All (application or delegated). Pages:
https://learn.microsoft.com/graph/api/partners-billing-billedreconciliation-export,
.../partners-billing-billedusage-export,
.../partners-billing-operation-get, .../partners-billing-manifest-get.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from connectors.graph.billing_types import (
    FAILED,
    SUCCEEDED,
    BillingManifest,
    BillingOperation,
    ExportFailed,
    ExportNotReady,
    ReconciliationLineItem,
    UsageLineItem,
)
from connectors.graph.blobs import BlobReader
from connectors.graph.errors import GraphError, retry_after
from connectors.graph.transport import Call, Transport
from connectors.http_retry import fits_deadline

BILLING = "/reports/partners/billing"
BILLED_EXPORT = f"{BILLING}/reconciliation/billed/export"
# partners-billing-billedusage-export: the same request and flow, over Azure usage.
BILLED_USAGE_EXPORT = f"{BILLING}/usage/billed/export"
# partners-billing-unbilledusage-export: usage not invoiced yet, by period and currency.
UNBILLED_USAGE_EXPORT = f"{BILLING}/usage/unbilled/export"
BILLING_PERIODS = ("current", "last")
ATTRIBUTE_SETS = ("full", "basic")
DEFAULT_WAIT = 5.0
T = TypeVar("T")  # seconds, when a running operation names no Retry-After


def _check_set(attribute_set: str) -> None:
    if attribute_set not in ATTRIBUTE_SETS:
        raise ValueError(f"attribute_set must be one of {ATTRIBUTE_SETS}, "
                         f"not {attribute_set!r}")


class BillingApi:
    """The partner billing half of the Graph client (mixed into GraphClient)."""

    _transport: Transport
    _blobs: BlobReader
    _sleep: Callable[[float], None]

    def export_billed_reconciliation(self, invoice_id: str, attribute_set: str = "full") -> str:
        """Ask Graph to export one invoice's billed reconciliation line items; returns the
        operation's URL (the 202's Location header)."""
        return self._export(BILLED_EXPORT, invoice_id, attribute_set)

    def export_billed_usage(self, invoice_id: str, attribute_set: str = "full") -> str:
        """Ask Graph to export one invoice's billed Azure usage (daily rated); returns the
        operation's URL."""
        return self._export(BILLED_USAGE_EXPORT, invoice_id, attribute_set)

    def export_unbilled_usage(self, currency_code: str, billing_period: str = "current",
                              attribute_set: str = "full") -> str:
        """Ask Graph to export the Azure usage rated so far and not invoiced yet, of the
        current (or last) billing period, in the partner's billing currency; returns the
        operation's URL."""
        if billing_period not in BILLING_PERIODS:
            raise ValueError(f"billing_period must be one of {BILLING_PERIODS}, "
                             f"not {billing_period!r}")
        if not currency_code:
            raise ValueError("currency_code is required: the partner's billing currency")
        _check_set(attribute_set)
        return self._location(self._transport.send(Call(
            "POST", UNBILLED_USAGE_EXPORT, body={"currencyCode": currency_code,
                                                 "attributeSet": attribute_set,
                                                 "billingPeriod": billing_period},
            ok=(202,))))

    def _export(self, path: str, invoice_id: str, attribute_set: str) -> str:
        if not invoice_id:
            raise ValueError("invoice_id is required: the id of a Microsoft invoice")
        _check_set(attribute_set)
        return self._location(self._transport.send(Call(
            "POST", path, body={"invoiceId": invoice_id, "attributeSet": attribute_set},
            ok=(202,))))

    @staticmethod
    def _location(response) -> str:
        location = response.headers.get("Location")
        if not location:
            raise GraphError("The export was accepted without a Location to poll",
                             http_status=response.status_code)
        return location

    def get_billing_operation(self, location: str) -> BillingOperation:
        """The export's state (always 200; Retry-After rides on a running one)."""
        response = self._transport.send(Call("GET", location))
        return BillingOperation.from_wire(response.json(), retry_after(response))

    def get_billing_manifest(self, location: str) -> BillingManifest:
        """The manifest a succeeded operation points at."""
        return BillingManifest.from_wire(self._transport.send(Call("GET", location)).json())

    def wait_for_export(self, location: str, *, max_polls: int = 20,
                        max_wait: float = 60.0) -> BillingManifest:
        """Poll until the export succeeds, then read its manifest.

        Raises ExportFailed for a failedOperation and ExportNotReady (retryable) when it is
        still running after `max_polls` waits."""
        for _poll in range(max_polls + 1):
            operation = self.get_billing_operation(location)
            if operation.status == SUCCEEDED and operation.manifest_url:
                return self.get_billing_manifest(operation.manifest_url)
            if operation.status == FAILED:
                raise ExportFailed(operation.error_message or "The export failed",
                                   code=operation.error_code)
            if _poll < max_polls:
                wait = min(max_wait, operation.retry_after or DEFAULT_WAIT)
                if not fits_deadline(wait):  # a web request that must answer first
                    break
                self._sleep(wait)
        raise ExportNotReady(f"The export was still running after {max_polls} polls; "
                             "try again later")

    def manifest_line_items(self, manifest: BillingManifest
                            ) -> Iterator[ReconciliationLineItem]:
        """Every line item of every blob of a manifest, streamed file by file."""
        return self._records(manifest, ReconciliationLineItem.from_wire)

    def _records(self, manifest: BillingManifest, read: Callable[[Any], T]) -> Iterator[T]:
        for blob in manifest.blobs:
            for record in self._blobs.records(manifest.blob_url(blob)):
                yield read(record)

    def billed_reconciliation(self, invoice_id: str, attribute_set: str = "full", *,
                              max_polls: int = 20, max_wait: float = 60.0
                              ) -> Iterator[ReconciliationLineItem]:
        """Export and wait (now), then stream one invoice's billed reconciliation line items
        as the caller iterates."""
        location = self.export_billed_reconciliation(invoice_id, attribute_set)
        manifest = self.wait_for_export(location, max_polls=max_polls, max_wait=max_wait)
        return self.manifest_line_items(manifest)

    def billed_usage(self, invoice_id: str, attribute_set: str = "full", *,
                     max_polls: int = 20, max_wait: float = 60.0) -> Iterator[UsageLineItem]:
        """Export and wait (now), then stream one invoice's billed Azure usage line items
        as the caller iterates. An invoice that bills no usage fails the export with
        Graph's "No data available" (ExportFailed, code 5000)."""
        location = self.export_billed_usage(invoice_id, attribute_set)
        manifest = self.wait_for_export(location, max_polls=max_polls, max_wait=max_wait)
        return self._records(manifest, UsageLineItem.from_wire)

    def unbilled_usage(self, currency_code: str, billing_period: str = "current", *,
                       max_polls: int = 20, max_wait: float = 60.0
                       ) -> Iterator[UsageLineItem]:
        """Export and wait, then stream the Azure usage rated and not invoiced yet (no
        InvoiceNumber) of the billing period in the partner's billing currency. A period
        with no usage fails the export with "No data available" (ExportFailed, 5000)."""
        location = self.export_unbilled_usage(currency_code, billing_period)
        manifest = self.wait_for_export(location, max_polls=max_polls, max_wait=max_wait)
        return self._records(manifest, UsageLineItem.from_wire)
