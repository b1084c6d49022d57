"""The local record of GDAP relationships and the provider's GDAP settings."""

from __future__ import annotations

from persistence import db, utcnow
from relationships.roles import DEFAULT_ROLES

DEFAULT_DURATION_DAYS = 730  # Graph allows P1D..P2Y
NOTICE_DAYS = (30, 7)


class GdapSettings(db.Model):
    """What the provider asks customers for (one row): roles, duration, auto-extension,
    and the partner security group that receives the roles once a relationship is active."""

    __tablename__ = "gdap_settings"

    id = db.Column(db.Integer, primary_key=True)
    roles = db.Column(db.String(1000), nullable=False, default=",".join(DEFAULT_ROLES))
    duration_days = db.Column(db.Integer, nullable=False, default=DEFAULT_DURATION_DAYS)
    auto_extend = db.Column(db.Boolean, nullable=False, default=True)
    security_group_id = db.Column(db.String(36), nullable=False, default="")

    @property
    def role_ids(self) -> tuple[str, ...]:
        return tuple(r for r in (self.roles or "").split(",") if r)

    @classmethod
    def current(cls) -> GdapSettings:
        """The settings row, made with the defaults on first use (the caller commits)."""
        row = db.session.get(cls, 1)
        if row is None:
            row = cls(id=1)
            db.session.add(row)
            # The column defaults reach the object at its insert: before it, the admin's
            # first view showed no role ticked and no duration.
            db.session.flush()
        return row


class GdapRelationship(db.Model):
    """One GDAP relationship the provider holds (or has requested) for a customer tenant."""

    __tablename__ = "gdap_relationships"

    id = db.Column(db.Integer, primary_key=True)
    customer_id = db.Column(db.Integer, db.ForeignKey("customers.id"), nullable=False,
                            index=True)
    tenant_id = db.Column(db.String(36), nullable=False, index=True)
    relationship_id = db.Column(db.String(80), nullable=False, unique=True)
    display_name = db.Column(db.String(50), nullable=False)
    status = db.Column(db.String(30), nullable=False)
    roles = db.Column(db.String(1000), nullable=False, default="")
    auto_extend = db.Column(db.Boolean, nullable=False, default=False)
    approval_url = db.Column(db.String(300), nullable=False, default="")
    requested_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    activated_at = db.Column(db.DateTime(timezone=True))
    ends_at = db.Column(db.DateTime(timezone=True))
    checked_at = db.Column(db.DateTime(timezone=True))
    access_assigned = db.Column(db.Boolean, nullable=False, default=False)
    # Expiry warnings (30 and 7 days before ends_at), each sent once per end date.
    notified_30_for = db.Column(db.DateTime(timezone=True))
    notified_7_for = db.Column(db.DateTime(timezone=True))

    customer = db.relationship("Customer")

    @property
    def role_ids(self) -> tuple[str, ...]:
        return tuple(r for r in (self.roles or "").split(",") if r)
