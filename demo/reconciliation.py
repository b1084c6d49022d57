"""The demo's Microsoft (B6): the sandbox that `make run` starts learns the demo's purchases
from its state file, so its invoices and billed reconciliation data cover exactly what the
demo charged, with one deliberate mismatch (one more seat billed on one line) for the
reconciliation page to find.

`flask demo load` runs before `make run` starts the sandbox, so the purchases are written
into the sandbox's state file (SANDBOX_STATE_FILE), which the sandbox loads when it starts;
a sandbox already running keeps its own state until it is restarted. Idempotent: a
purchase the sandbox holds is not added again, and the mismatch is planted once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from accounts.models import Customer
from connectors.partner_center.sandbox import Sandbox
from connectors.partner_center.sandbox.history import Purchase, add_purchases, plant_discrepancy
from demo import azure as demo_azure
from persistence import as_utc, db
from subscriptions.models import Subscription, SubscriptionEvent

SEAT_CHANGES = ("quantity", "licenses_added")


def load_into_sandbox() -> int:
    """Write the demo's purchases (and the mismatch) into the demo sandbox's state file;
    returns how many records that added. Nothing happens outside sandbox mode."""
    state = str(current_app.config.get("SANDBOX_STATE_FILE") or "")
    if current_app.config.get("PARTNER_CENTER_MODE") != "sandbox" or not state:
        return 0
    return mirror(Path(state))


def mirror(state_file: Path) -> int:
    """Add the storefront's provisioned subscriptions to the sandbox saved in `state_file`,
    then plant the mismatch; saves the file when anything changed."""
    sandbox = Sandbox()
    if state_file.exists():
        sandbox.load(json.loads(state_file.read_text(encoding="utf-8")))
    bought = list(purchases())
    added = add_purchases(sandbox, bought) + int(demo_azure.into_sandbox(sandbox))
    planted = plant_discrepancy(sandbox, (p.subscription_id for p in bought))
    if added or planted:
        state_file.parent.mkdir(parents=True, exist_ok=True)
        sandbox.save_to(state_file)
    return added + int(planted)


def purchases() -> Iterator[Purchase]:
    """Every subscription the storefront holds in Partner Center, as Microsoft bills it."""
    query = (select(Subscription, Customer)
             .join(Customer, Customer.id == Subscription.customer_id)
             .where(Subscription.pc_subscription_id.is_not(None),
                    Subscription.pc_subscription_id != "", Subscription.tenant_id != "",
                    Subscription.status != "pending")
             .order_by(Subscription.id))
    for sub, customer in db.session.execute(query):
        changes = tuple(_changes(sub.id))
        yield Purchase(
            subscription_id=sub.pc_subscription_id, tenant_id=sub.tenant_id,
            domain=f"{customer.domain_prefix or 'customer'}.onmicrosoft.com",
            company=customer.company_name, country=customer.country, city=customer.city,
            postal_code=customer.postal_code,
            reseller_tenant=customer.reseller.tenant_id if customer.reseller else None,
            partner_mpn=sub.partner_id,
            catalog_item_id=sub.offer_id or f"{sub.pc_product_id}:{sub.pc_sku_id}:",
            term=sub.term_duration, cycle=sub.billing_cycle,
            quantity=changes[0][1] if changes else sub.quantity,
            start=as_utc(sub.purchased_at), changes=changes, cancelled=_cancelled(sub.id),
            order_id=sub.pc_order_id)


def _changes(subscription_id: int) -> Iterator[tuple]:
    rows = db.session.execute(
        select(SubscriptionEvent.at, SubscriptionEvent.data)
        .where(SubscriptionEvent.subscription_id == subscription_id,
               SubscriptionEvent.kind.in_(SEAT_CHANGES))
        .order_by(SubscriptionEvent.at, SubscriptionEvent.id))
    for at, data in rows:
        if data and "before" in data and "after" in data:
            yield as_utc(at), int(data["before"]), int(data["after"])


def _cancelled(subscription_id: int):
    at = db.session.scalar(select(SubscriptionEvent.at).where(
        SubscriptionEvent.subscription_id == subscription_id,
        SubscriptionEvent.kind == "cancel").order_by(SubscriptionEvent.at).limit(1))
    return as_utc(at) if at else None
