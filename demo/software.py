"""The demo's software (S7): Northwind's customer Wingtip Toys holds a Windows Server 2022
licence (perpetual), its entitlements are mirrored from the demo's Partner Center, and the
provider's admin has recorded its key and downloads, copied from the sandbox's admin-only
view (what Partner Center's own pages show an admin agent). No key is made up here.

`load_software` records the order and subscription as provisioning leaves them, before
the demo's sandbox learns the demo's purchases (demo/reconciliation.py); `record_keys`
then reads the sandbox's state file in-process, as `flask demo load` runs before the
sandbox starts.
Stable ids; a second load adds nothing.
"""

from __future__ import annotations

import json
import uuid
from datetime import date
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from accounts.models import Customer, User
from catalog.models import Price, Product, Sku
from connectors.partner_center.entitlements import Entitlement as RemoteEntitlement
from connectors.partner_center.sandbox import Sandbox
from connectors.partner_center.sandbox.entitlements import entitlements_of, software_keys
from demo.billing import TENANT_ID, morning, record_purchase
from persistence import db
from subscriptions.entitlements import KeyEntry, mirror_entitlements, record_key
from subscriptions.models import Entitlement, Subscription

PRODUCT = "DG7GMGF0DWMS"  # Windows Server 2022 Standard - 16 Core License Pack
PC_SUBSCRIPTION_ID = str(uuid.uuid5(uuid.NAMESPACE_URL,
                                    "csp-storefront:demo:wingtiptoys:windows-server"))
PC_ORDER_ID = str(uuid.uuid5(uuid.NAMESPACE_URL,
                             "csp-storefront:demo:wingtiptoys:windows-server-order"))
KEY = "demo-software-wingtip"  # the order's idempotency key


def load_software(buyer: Customer, placed_by: User, today: date) -> int:
    """Wingtip's Windows Server licence, ordered today through the storefront (so it is
    billed on the month's invoice in the buyer's currency); returns 1 when added."""
    found = db.session.scalar(select(Subscription.id).filter_by(
        pc_subscription_id=PC_SUBSCRIPTION_ID))
    price = db.session.scalar(select(Price).join(Sku).join(Product).where(
        Product.pc_product_id == PRODUCT, Price.market == buyer.country,
        Price.billing_cycle == "one_time"))
    if found is not None or price is None:
        return 0
    at = morning(today)
    record_purchase(buyer, placed_by, price, 1, at, ids=(KEY, PC_ORDER_ID, PC_SUBSCRIPTION_ID))
    db.session.commit()
    return 1


class _StateFile:
    """The demo sandbox's answers, read in-process from its state file (the sandbox is
    not running yet): the documented entitlements resource, parsed by the connector."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox

    def list_entitlements(self, tenant_id: str, *, entitlement_type: str | None = None,
                          show_expiry: bool = False) -> tuple[RemoteEntitlement, ...]:
        items = entitlements_of(self.sandbox, tenant_id, show_expiry)
        return tuple(RemoteEntitlement.from_wire(i) for i in items
                     if entitlement_type is None or i["entitlementType"] == entitlement_type)


def record_keys() -> int:
    """Mirror Wingtip's entitlements and record each download the sandbox shows, as the
    admin does; returns the keys recorded (0 outside sandbox mode or when done before)."""
    state = Path(str(current_app.config.get("SANDBOX_STATE_FILE") or ""))
    sub = db.session.scalar(select(Subscription).filter_by(
        pc_subscription_id=PC_SUBSCRIPTION_ID))
    if current_app.config.get("PARTNER_CENTER_MODE") != "sandbox" or sub is None or \
            not state.is_file():
        return 0
    sandbox = Sandbox()
    sandbox.load(json.loads(state.read_text(encoding="utf-8")))
    mirror_entitlements(_StateFile(sandbox), sub.customer_id, TENANT_ID)
    db.session.commit()
    return _copy_from(sandbox, sub)


def _copy_from(sandbox: Sandbox, sub: Subscription) -> int:
    """Record what the sandbox-only key view shows for the subscription's entitlement."""
    entitlement = db.session.scalar(select(Entitlement).filter_by(
        subscription_id=sub.id, parent_id=None))
    admin = db.session.scalar(select(User).where(User.email == "admin@provider.example"))
    if entitlement is None or entitlement.keys or admin is None:
        return 0
    recorded = 0
    for shown in software_keys(sandbox, TENANT_ID):
        if shown["productId"] != entitlement.pc_product_id:
            continue
        for download in shown["downloads"]:
            record_key(entitlement, KeyEntry(
                shown["productKey"], download["uri"], download["version"],
                download["language"], download["fileType"], download["os"]), admin)
            recorded += 1
    return recorded
