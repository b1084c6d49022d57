"""API tokens: one secret per reseller or direct customer, stored only as its sha256."""

from __future__ import annotations

from storefront.extensions import db, utcnow


class ApiToken(db.Model):
    """A bearer token owned by a reseller or a direct customer, acting as the user who made it."""

    __tablename__ = "api_tokens"

    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(80), nullable=False)
    # sha256 of a 256-bit random secret: a fast hash is enough, the secret cannot be guessed.
    token_hash = db.Column(db.String(64), nullable=False, unique=True)
    prefix = db.Column(db.String(12), nullable=False)  # shown in the list to recognise it
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, index=True)
    reseller_id = db.Column(db.Integer, db.ForeignKey("resellers.id"), index=True)
    customer_id = db.Column(db.Integer, db.ForeignKey("customers.id"), index=True)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    last_used_at = db.Column(db.DateTime(timezone=True))
    revoked_at = db.Column(db.DateTime(timezone=True))
    # The rate limit's fixed window: when it opened and how many requests it has seen.
    window_start = db.Column(db.DateTime(timezone=True))
    window_count = db.Column(db.Integer, nullable=False, default=0)

    user = db.relationship("User")

    @property
    def active(self) -> bool:
        return self.revoked_at is None
