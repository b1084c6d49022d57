"""The sandbox's state: one lock, an injectable clock, JSON-serialisable data, faults.

Everything Partner Center would store (customers, agreements, carts, orders, subscriptions,
the idempotency answers keyed by MS-RequestId) lives in `Sandbox.data`, a plain JSON
document, so the HTTP server can persist it to a file and reload it after a restart.
"""

from __future__ import annotations

import copy
import json
import math
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from connectors.partner_center.private_file import write_private
from connectors.partner_center.sandbox import seed
from connectors.partner_center.sandbox.catalog import RELISTED, Catalog
from connectors.partner_center.sandbox.faults import Fault, FaultPlan

Clock = Callable[[], datetime]


@dataclass
class SandboxConfig:
    """Knobs tests and the demo turn."""

    provisioning_polls: int = 2  # reads of an order before it completes
    provisioning_seconds: float | None = None  # or: seconds after checkout
    rate_limit_per_minute: int | None = None
    qualification_vetting_seconds: float = 60.0
    checkout_seconds: float = 0.0  # real seconds a checkout holds its cart (for 800064)
    # Seconds after checkout before an order shows in GET {c}/orders (real: up to 15 min).
    order_list_lag_seconds: float = 0.0
    # False: an Azure plan asked to register stays `Registering` (Microsoft is slow).
    registration_completes: bool = True
    # The docs define no order of a checkout's orders: True answers the last group first.
    checkout_orders_reversed: bool = False
    timeout_sleep_seconds: float = 35.0  # over HTTP, past the client's read timeout
    # > 0: a quantity change answers 202 + Location and shows after that many reads of
    # the subscription, as Partner Center does when a PATCH takes longer than expected.
    subscription_patch_reads: int = 0
    # Microsoft Graph (GDAP) and the Entra ID sign-in double.
    gdap_page_size: int = 100  # relationships per page when $top is not given
    gdap_partner_service_principal: bool = True  # False: Graph writes answer 403
    entra_authority_host: str = "https://login.microsoftonline.com"  # issuer and endpoints
    # Microsoft's invoices and the Graph billing export (billing.py, graph/billing.py).
    billing_invoice_day: int = 8  # a month's invoice appears on this day of the next month
    billing_export_polls: int = 1  # reads of an export operation that still say "running"
    billing_export_retry_after: int = 1  # the running operation's Retry-After, in seconds
    billing_sas_hours: float = 12.0  # how long a manifest's SAS token reads its blobs
    billing_blob_host: str = ""  # where blobs are served; "" = this server under /_blob
    billing_blob_lines: int = 1000  # line items per blob (the export's partitions)


def _utc_now() -> datetime:
    """Default clock."""
    return datetime.now(UTC)


class Sandbox:
    """A stateful, thread-safe Partner Center double."""

    def __init__(self, *, clock: Clock = _utc_now, config: SandboxConfig | None = None,
                 catalog: Catalog | None = None, random_seed: int = 0,
                 on_change: Callable[[dict[str, Any]], None] | None = None) -> None:
        self.lock = threading.RLock()
        self.config = config or SandboxConfig()
        self.catalog = catalog or Catalog.load()
        self.faults = FaultPlan(random_seed)
        self.on_change = on_change
        self._clock = clock
        self._offset = timedelta(0)
        self._windows: dict[str, deque[datetime]] = {}
        self.data: dict[str, Any] = seed.initial_state(self.now())

    def now(self) -> datetime:
        """Sandbox time: the injected clock plus any offset set through the admin API."""
        return self._clock() + self._offset

    def advance(self, seconds: float) -> datetime:
        """Move sandbox time forward (POST /_sandbox/clock)."""
        with self.lock:
            self._offset += timedelta(seconds=seconds)
            return self.now()

    def reset(self) -> None:
        """Back to the seeded state, no faults, no time offset."""
        with self.lock:
            self.faults.clear()
            self._offset = timedelta(0)
            self._windows.clear()
            self.data = seed.initial_state(self.now())
            self.changed()

    def snapshot(self) -> dict[str, Any]:
        """A deep copy of the data (for assertions and GET /_sandbox/state)."""
        with self.lock:
            return copy.deepcopy(self.data)

    def load(self, data: dict[str, Any]) -> None:
        """Replace the data, e.g. from a state file."""
        with self.lock:
            self.data = seed.initial_state(self.now()) | data

    def changed(self) -> None:
        """Tell the persistence hook that a write happened."""
        if self.on_change:
            self.on_change(self.data)

    def save_to(self, path: Path) -> None:
        """Hook target: write the data as JSON, swapped in atomically, readable by its owner
        only (it holds customers' names, addresses and tenants)."""
        write_private(path, json.dumps(self.data, indent=1, sort_keys=True))

    def add_fault(self, kind: str = "error", endpoint: str = "*", **kw: Any) -> Fault:
        """Inject a fault (see `Fault`)."""
        with self.lock:
            return self.faults.add(Fault(kind=kind, endpoint=endpoint, **kw))  # type: ignore[arg-type]

    def throttle(self, bucket: str) -> int | None:
        """Count a request in a one-minute window; return Retry-After seconds when over."""
        limit = self.config.rate_limit_per_minute
        if not limit:
            return None
        now, window = self.now(), self._windows.setdefault(bucket, deque())
        while window and (now - window[0]).total_seconds() >= 60:
            window.popleft()
        if len(window) >= limit:
            return max(1, math.ceil(60 - (now - window[0]).total_seconds()))
        window.append(now)
        return None

    def grant_delegated_access(self, tenant_id: str, allowed: bool = True) -> None:
        """Simulate the customer accepting (or removing) the delegated-admin relationship."""
        with self.lock:
            self.data["customers"][tenant_id]["allowDelegatedAccess"] = allowed
            self.changed()

    def set_mpa(self, mpn_id: str, signed: bool) -> None:
        """Record whether a reseller signed the MPA."""
        with self.lock:
            self.data["mpn"][mpn_id]["mpaSigned"] = signed
            self.changed()

    def set_qualification(self, tenant_id: str, qualification: str, status: str) -> None:
        """Decide a qualification's vetting (Approved/Denied), or grant Nonprofit."""
        with self.lock:
            entries = self.data["qualifications"].setdefault(tenant_id, [])
            entries[:] = [q for q in entries if q["qualification"] != qualification]
            entries.append({"qualification": qualification, "vettingStatus": status,
                            "vettingCreatedDate": self.now().isoformat(), "decided": True})
            self.changed()

    def end_order(self, order_id: str, status: str = "cancelled") -> None:
        """Microsoft ends a pending order without provisioning it (say, a failed fraud
        review): the order turns `status` (cancelled, error) and its subscriptions never
        come. Leaving an order pending instead: config.provisioning_polls."""
        with self.lock:
            record = self.data["orders"][order_id]
            record["wire"]["status"] = status
            for sub_id in record["subscriptionIds"]:
                self.data["subscriptions"][sub_id]["wire"] |= {
                    "status": "deleted", "autoRenewEnabled": False}
            self.changed()

    def rotate_availability(self, product_id: str, sku_id: str) -> str:
        """Give a SKU a new availability id, as Partner Center does over time."""
        with self.lock:
            new_id = seed.new_availability_id()
            self.data["availabilityIds"][f"{product_id}:{sku_id}"] = new_id
            self.changed()
            return new_id

    def withdraw_availability(self, product_id: str, sku_id: str,
                              country: str | None = None) -> None:
        """Partner Center stops selling a SKU in one country (None: everywhere): its
        availabilities there answer isPurchasable false and a cart buying it fails (2091).
        Withdrawn everywhere, it ends every country relisted before."""
        with self.lock:
            key, country = f"{product_id}:{sku_id}", (country or "*").upper()
            withdrawn = self.data.setdefault("withdrawnSkus", {})
            kept = _without(withdrawn.get(key, []), country)
            withdrawn[key] = kept if "*" in kept else [*kept, country]
            self.changed()

    def relist_availability(self, product_id: str, sku_id: str,
                            country: str | None = None) -> None:
        """Partner Center sells a withdrawn SKU again in one country (None: everywhere).
        It answers isPurchasable per country: a SKU withdrawn everywhere and relisted in one
        stays withdrawn in the others (that country is kept as an exception)."""
        with self.lock:
            key, country = f"{product_id}:{sku_id}", (country or "*").upper()
            withdrawn = self.data.setdefault("withdrawnSkus", {})
            kept = _without(withdrawn.get(key, []), country)
            withdrawn[key] = [*kept, RELISTED + country] if "*" in kept else kept
            self.changed()

    def count(self, collection: str, customer_id: str | None = None) -> int:
        """How many customers/carts/orders/subscriptions exist (optionally for one customer)."""
        with self.lock:
            values = self.data[collection].values()
            if customer_id is None:
                return len(values)
            return sum(1 for v in values if v.get("customerId", v.get("id")) == customer_id)


def _without(countries: list[str], country: str) -> list[str]:
    """A SKU's withdrawal list with nothing left of `country` ("*": nothing at all)."""
    if country == "*":
        return []
    return [c for c in countries if c not in (country, RELISTED + country)]
