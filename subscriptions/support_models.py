"""A support request: the way to ask for a cancellation and refund that cannot be done
online (S5 RedHat/SUSE, S3 past 168 hours, S6 perpetual past 30 days), tracked to its
answer by the provider's admins."""

from __future__ import annotations

from persistence import db, utcnow

# The subscription's history event of an approved request: billing credits it (B3).
SUPPORT_REFUND = "support_refund"


class SupportRequest(db.Model):
    __tablename__ = "support_requests"

    id = db.Column(db.Integer, primary_key=True)
    subscription_id = db.Column(db.Integer, db.ForeignKey("subscriptions.id"), nullable=False,
                                index=True)
    # Kept on the row (not only through the subscription) so scoping is one condition.
    customer_id = db.Column(db.Integer, db.ForeignKey("customers.id"), nullable=False,
                            index=True)
    reseller_id = db.Column(db.Integer, db.ForeignKey("resellers.id"), index=True)
    filed_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    rule = db.Column(db.String(4), nullable=False)  # why online cancellation is refused
    reason = db.Column(db.Text, nullable=False)
    amount = db.Column(db.Numeric(12, 2), nullable=False)  # the refund asked for
    currency = db.Column(db.String(3), nullable=False)
    contact_name = db.Column(db.String(120), nullable=False)
    contact_email = db.Column(db.String(254), nullable=False)
    contact_phone = db.Column(db.String(30), nullable=False)
    status = db.Column(db.String(20), nullable=False, default="submitted", index=True)
    answer = db.Column(db.Text, nullable=False, default="")  # the provider's, once decided
    answered_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow,
                           onupdate=utcnow)

    subscription = db.relationship("Subscription")
    customer = db.relationship("Customer")
    reseller = db.relationship("Reseller")
    filed_by = db.relationship("User", foreign_keys=[filed_by_id])
    answered_by = db.relationship("User", foreign_keys=[answered_by_id])

    @property
    def number(self) -> str:
        return f"SR-{self.id:06d}"
