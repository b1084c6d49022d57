"""A key recorded the way a provider admin records one (S7): against the subscription's
entitlement, copied from Partner Center; the storefront never makes keys up."""

from __future__ import annotations

from persistence import db
from subscriptions.entitlements import KeyEntry, record_key
from subscriptions.models import Entitlement, SoftwareKey, Subscription

KEY = "QXR7B-2M9TK-4HCJP-8WDYF-6BG3V"
LINK = "https://download.partner.example/windows-server-2022/en-us.iso"


def entitlement_of(sub: Subscription) -> Entitlement:
    """The sub's software entitlement, as the entitlement sync would have mirrored it."""
    db.session.flush()
    found = db.session.query(Entitlement).filter_by(subscription_id=sub.id).first()
    if found is None:
        found = Entitlement(customer_id=sub.customer_id, tenant_id=sub.tenant_id or "tenant",
                            subscription=sub, pc_order_id=sub.pc_order_id or f"order-{sub.id}",
                            line_item_id="0", pc_product_id=sub.pc_product_id or "DG7GMGF0DWMS",
                            pc_sku_id=sub.pc_sku_id or "0006", entitlement_type="software",
                            quantity=sub.quantity)
        db.session.add(found)
        db.session.flush()
    return found


def record_test_key(sub: Subscription, admin=None, key: str = KEY,
                    link: str = LINK) -> SoftwareKey:
    """Record a key and download link for `sub` as an admin would (commits)."""
    return record_key(entitlement_of(sub), KeyEntry(product_key=key, download_url=link), admin)
