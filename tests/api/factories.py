"""Rows the API tests need beyond the shared world: subscriptions and tokens."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from accounts import api_tokens as tokens
from accounts.models import ApiToken
from persistence import db
from storefront import throttling
from subscriptions.models import Subscription


def make_subscription(customer, price, quantity: int = 1, **extra) -> Subscription:
    """An active subscription of the price's product, as provisioning records it."""
    product = price.sku.product
    values = {"customer": customer, "reseller_id": customer.reseller_id, "product": product,
              "pc_product_id": product.pc_product_id, "pc_sku_id": price.sku.pc_sku_id,
              "title": product.title, "family": product.family, "quantity": quantity,
              "billing_cycle": price.billing_cycle, "term_duration": price.term_duration,
              "status": "active", **extra}
    subscription = Subscription(**values)
    db.session.add(subscription)
    db.session.commit()
    return subscription


def bearer(user, name: str = "test") -> dict[str, str]:
    """Authorization headers with a fresh token for the user's reseller or company."""
    return {"Authorization": f"Bearer {tokens.issue(user, name)[1]}"}


def requests_counted(token_id: int | None = None) -> int:
    """The requests counted in the token's current window (the only token, by default),
    as the app's throttle store holds them (#27: not on the token's row)."""
    token_id = token_id or db.session.scalar(select(ApiToken.id))
    return throttling.store().count(f"api:token:{token_id}", datetime.now(UTC)).hits
