"""Tables for the partner's terms (O6): its OSPA price list and the VAT invoices it issues.

Enrollment.payment_terms_days (models.py) holds the terms; payments keep their method on
billing's payment rows. Price protection is computed from the list (commitments.price_list),
so no enrollment row stores a price of its own.
"""

from __future__ import annotations

from persistence import Money, db, utcnow


class OspaPrice(db.Model):
    """One line of a partner's OSPA price list: a meter's RMB unit price from a day on.

    The partner is a reseller, or the provider itself (no reseller) for direct customers.
    Lines are never edited: a new line with a later day is the price change."""

    __tablename__ = "ospa_prices"

    id = db.Column(db.Integer, primary_key=True)
    partner_reseller_id = db.Column(db.Integer, db.ForeignKey("resellers.id"), index=True)
    meter = db.Column(db.String(120), nullable=False)
    unit_price = db.Column(Money, nullable=False)
    effective_from = db.Column(db.Date, nullable=False)
    recorded_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    partner_reseller = db.relationship("Reseller")


class VatInvoice(db.Model):
    """The partner's VAT invoice (fapiao) for one paid enrollment invoice, with its number."""

    __tablename__ = "enrollment_vat_invoices"

    id = db.Column(db.Integer, primary_key=True)
    enrollment_invoice_id = db.Column(db.Integer, db.ForeignKey("enrollment_invoices.id"),
                                      nullable=False, unique=True)
    number = db.Column(db.String(20), nullable=False)
    issued_on = db.Column(db.Date, nullable=False)
    recorded_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    enrollment_invoice = db.relationship(
        "EnrollmentInvoice", backref=db.backref("vat_invoice", uselist=False,
                                                cascade="all, delete-orphan"))
