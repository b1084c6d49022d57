"""The local mirror of Partner Center subscriptions, tagged with the reseller's MPN (K8)."""

from __future__ import annotations

from datetime import UTC, datetime

from storefront.extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC)


class Subscription(db.Model):
    __tablename__ = "subscriptions"

    id = db.Column(db.Integer, primary_key=True)
    customer_id = db.Column(db.Integer, db.ForeignKey("customers.id"), nullable=False,
                            index=True)
    reseller_id = db.Column(db.Integer, db.ForeignKey("resellers.id"), index=True)
    product_id = db.Column(db.Integer, db.ForeignKey("products.id"), nullable=False)
    # The order line that created it; no foreign key, to keep orders ⇄ subscriptions acyclic.
    order_line_id = db.Column(db.Integer, index=True)
    tenant_id = db.Column(db.String(36), nullable=False, default="", index=True)
    pc_subscription_id = db.Column(db.String(60), unique=True)
    pc_order_id = db.Column(db.String(60), nullable=False, default="")
    offer_id = db.Column(db.String(80), nullable=False, default="")  # the catalogItemId
    pc_product_id = db.Column(db.String(40), nullable=False, default="")
    pc_sku_id = db.Column(db.String(20), nullable=False, default="")
    title = db.Column(db.String(300), nullable=False)
    family = db.Column(db.String(30), nullable=False)
    billing_cycle = db.Column(db.String(10), nullable=False)
    term_duration = db.Column(db.String(3), nullable=False, default="")
    quantity = db.Column(db.Integer, nullable=False)
    status = db.Column(db.String(20), nullable=False, default="pending", index=True)
    autorenew = db.Column(db.Boolean, nullable=False, default=True)  # S1: on by default
    partner_id = db.Column(db.String(20), nullable=False, default="")  # K8: reseller MPN
    purchased_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    term_start = db.Column(db.DateTime(timezone=True))
    term_end = db.Column(db.DateTime(timezone=True))
    cancellation_allowed_until = db.Column(db.DateTime(timezone=True))
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow,
                           onupdate=utcnow)
    synced_at = db.Column(db.DateTime(timezone=True))

    customer = db.relationship("Customer")
    reseller = db.relationship("Reseller")
    product = db.relationship("Product")
