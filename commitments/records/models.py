"""Indirect OSPA enrollment tables; the rules stay in the pure commitments/ package.

Rows hold facts (who signed what when, orders, usage, decisions); services map them to the
domain's frozen dataclasses (storefront.enrollments.mapping) and ask the domain what follows.
"""

from __future__ import annotations

from decimal import Decimal

from commitments.enrollment import Status
from commitments.money import to_money
from persistence import Money, db, utcnow


class Enrollment(db.Model):
    """A customer's three-year agreement, sold by the provider or the customer's reseller."""

    __tablename__ = "enrollments"

    id = db.Column(db.Integer, primary_key=True)
    number = db.Column(db.String(8), nullable=False, unique=True)
    customer_id = db.Column(db.Integer, db.ForeignKey("customers.id"), nullable=False, index=True)
    # None: the provider itself is the partner (direct customer); else the customer's reseller.
    partner_reseller_id = db.Column(db.Integer, db.ForeignKey("resellers.id"), index=True)
    start = db.Column(db.Date, nullable=False)
    end = db.Column(db.Date, nullable=False)
    extended_term = db.Column(db.Boolean, nullable=False, default=False)
    # O6: the partner's payment terms for this enrollment's invoices (30 days as standard).
    payment_terms_days = db.Column(db.Integer, nullable=False, default=30, server_default="30")
    status = db.Column(db.String(20), nullable=False, default=Status.DRAFT, index=True)
    status_since = db.Column(db.Date)
    suspension_reason = db.Column(db.String(30))
    deprovision_marked_on = db.Column(db.Date)
    # O5: the customer's periodic usage notification (daily, weekly, monthly); None: none.
    usage_frequency = db.Column(db.String(10))
    # O9: the enrollment this one renews (it starts the day after that one's end).
    renewal_of_id = db.Column(db.Integer, db.ForeignKey("enrollments.id"))
    renewal_of = db.relationship("Enrollment", remote_side="Enrollment.id",
                                 backref=db.backref("renewals", order_by="Enrollment.id"))
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    customer = db.relationship("Customer")
    partner_reseller = db.relationship("Reseller")
    documents = db.relationship("SignedDocument", cascade="all, delete-orphan",
                                order_by="SignedDocument.id")
    orders = db.relationship("CommitmentOrder", cascade="all, delete-orphan",
                             order_by="[CommitmentOrder.submitted_on, CommitmentOrder.id]")
    credit_checks = db.relationship("CreditCheck", cascade="all, delete-orphan",
                                    order_by="[CreditCheck.decided_on, CreditCheck.id]")
    usage = db.relationship("UsageRecord", cascade="all, delete-orphan",
                            order_by="[UsageRecord.used_on, UsageRecord.id]")
    settlements = db.relationship("OverageSettlement", cascade="all, delete-orphan",
                                  order_by="OverageSettlement.month")
    notices = db.relationship("SentNotice", cascade="all, delete-orphan",
                              order_by="[SentNotice.sent_on, SentNotice.id]")
    accounts = db.relationship("EnrollmentAccount", cascade="all, delete-orphan",
                               order_by="EnrollmentAccount.name")
    invoices = db.relationship("EnrollmentInvoice", cascade="all, delete-orphan",
                               order_by="EnrollmentInvoice.id")

    @property
    def partner_id(self) -> str:
        """The domain's partner id: 'provider' or 'reseller:<id>' (O6: who invoices)."""
        return "provider" if self.partner_reseller_id is None \
            else f"reseller:{self.partner_reseller_id}"


class SignedDocument(db.Model):
    """One of the four OSPA package documents, signed (O1): by whom and when."""

    __tablename__ = "enrollment_documents"
    __table_args__ = (db.UniqueConstraint("enrollment_id", "document"),)

    id = db.Column(db.Integer, primary_key=True)
    enrollment_id = db.Column(db.Integer, db.ForeignKey("enrollments.id"), nullable=False)
    document = db.Column(db.String(40), nullable=False)
    signed_by = db.Column(db.String(120), nullable=False)
    signed_on = db.Column(db.Date, nullable=False)
    recorded_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))


class CommitmentOrder(db.Model):
    """An initial, annual or additional monetary commitment (O1-O3), excluding tax."""

    __tablename__ = "commitment_orders"

    id = db.Column(db.Integer, primary_key=True)
    enrollment_id = db.Column(db.Integer, db.ForeignKey("enrollments.id"), nullable=False,
                              index=True)
    kind = db.Column(db.String(20), nullable=False)
    year = db.Column(db.Integer, nullable=False)
    amount_excl_tax = db.Column(Money, nullable=False)
    submitted_on = db.Column(db.Date, nullable=False)
    # A true-down to zero needs a special approval (O2).
    approved_by = db.Column(db.String(120))
    approved_on = db.Column(db.Date)
    entered_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)


class CreditCheck(db.Model):
    """The credit team's decision for one commitment year (O4)."""

    __tablename__ = "credit_checks"

    id = db.Column(db.Integer, primary_key=True)
    enrollment_id = db.Column(db.Integer, db.ForeignKey("enrollments.id"), nullable=False,
                              index=True)
    year = db.Column(db.Integer, nullable=False)
    decided_on = db.Column(db.Date, nullable=False)
    passed = db.Column(db.Boolean, nullable=False)
    note = db.Column(db.Text, nullable=False, default="")
    recorded_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))

    recorded_by = db.relationship("User")


class UsageRecord(db.Model):
    """Usage of one meter on one day at the commitment unit price (O5)."""

    __tablename__ = "usage_records"

    id = db.Column(db.Integer, primary_key=True)
    enrollment_id = db.Column(db.Integer, db.ForeignKey("enrollments.id"), nullable=False,
                              index=True)
    used_on = db.Column(db.Date, nullable=False)
    meter = db.Column(db.String(120), nullable=False, default="")
    quantity = db.Column(Money, nullable=False)
    unit_price = db.Column(Money, nullable=False)
    # O5: the subscription (and so the account) the usage belongs to; None: not attributed.
    subscription_id = db.Column(db.Integer, db.ForeignKey("account_subscriptions.id"),
                                index=True)
    recorded_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    subscription = db.relationship("AccountSubscription")

    @property
    def charge(self) -> Decimal:
        """This record's cost shown on its own, in fen, half up like every other figure
        (B5); sums add the exact amounts, never this."""
        return to_money(self.quantity * self.unit_price)


class OverageSettlement(db.Model):
    """The customer's answer to one month's overage: the option chosen, when it answered,
    when the invoice was paid and the offsets against it (O3, O8)."""

    __tablename__ = "overage_settlements"
    __table_args__ = (db.UniqueConstraint("enrollment_id", "month"),)

    id = db.Column(db.Integer, primary_key=True)
    enrollment_id = db.Column(db.Integer, db.ForeignKey("enrollments.id"), nullable=False)
    month = db.Column(db.Date, nullable=False)
    responded_on = db.Column(db.Date)
    settled_on = db.Column(db.Date)
    # commitments.notices.SettlementOption: pay or offset; None for answers recorded before.
    option = db.Column(db.String(10))

    offsets = db.relationship("OverageOffset", cascade="all, delete-orphan",
                              order_by="[OverageOffset.offset_on, OverageOffset.id]",
                              back_populates="settlement")


class OverageOffset(db.Model):
    """Part of a month's overage funded by an annual or additional order (O2, O3, O5), and
    the credit note that took it off the month's overage invoice (B4)."""

    __tablename__ = "overage_offsets"

    id = db.Column(db.Integer, primary_key=True)
    settlement_id = db.Column(db.Integer, db.ForeignKey("overage_settlements.id"),
                              nullable=False, index=True)
    order_id = db.Column(db.Integer, db.ForeignKey("commitment_orders.id"), nullable=False,
                         index=True)
    amount_excl_tax = db.Column(Money, nullable=False)
    offset_on = db.Column(db.Date, nullable=False)
    credit_note_id = db.Column(db.Integer, db.ForeignKey("invoices.id"))
    recorded_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    settlement = db.relationship("OverageSettlement", back_populates="offsets")
    order = db.relationship("CommitmentOrder")
    # By name: billing sits above commitments and is mapped when the app starts.
    credit_note = db.relationship("Invoice")


class SentNotice(db.Model):
    """A notice sent or state change applied; the unique key makes the daily job idempotent."""

    __tablename__ = "sent_notices"

    id = db.Column(db.Integer, primary_key=True)
    enrollment_id = db.Column(db.Integer, db.ForeignKey("enrollments.id"), nullable=False,
                              index=True)
    key = db.Column(db.String(80), nullable=False, unique=True)
    kind = db.Column(db.String(40), nullable=False)
    sent_on = db.Column(db.Date, nullable=False)
    message = db.Column(db.Text, nullable=False, default="")


class EnrollmentAccount(db.Model):
    """An organisational unit of the enrollment holding at most 199 subscriptions (O7)."""

    __tablename__ = "enrollment_accounts"
    __table_args__ = (db.UniqueConstraint("enrollment_id", "name"),)

    id = db.Column(db.Integer, primary_key=True)
    enrollment_id = db.Column(db.Integer, db.ForeignKey("enrollments.id"), nullable=False)
    name = db.Column(db.String(120), nullable=False)
    owner = db.Column(db.String(254), nullable=False)
    department_id = db.Column(db.Integer, db.ForeignKey("enrollment_departments.id"))
    # Subscription conversion's ownership steps (commitments.conversion): owner invited
    # (step 2), ownership confirmed by signing in with the owner's Org ID (step 3).
    invited_on = db.Column(db.Date)
    ownership_confirmed_on = db.Column(db.Date)
    ownership_confirmed_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))

    department = db.relationship("EnrollmentDepartment")
    subscriptions = db.relationship("AccountSubscription", cascade="all, delete-orphan",
                                    order_by="AccountSubscription.id", back_populates="account")


class AccountSubscription(db.Model):
    """A subscription created under an enrollment account."""

    __tablename__ = "account_subscriptions"
    __table_args__ = (
        db.UniqueConstraint("account_id", "subscription_id"),
        # O7: which enrollment holds an id, in any case (commitments.records.enrolled), is
        # read through this index: the unique key above leads with the account.
        db.Index("ix_account_subscriptions_lower_subscription_id",
                 db.func.lower(db.text("subscription_id"))),
    )

    id = db.Column(db.Integer, primary_key=True)
    account_id = db.Column(db.Integer, db.ForeignKey("enrollment_accounts.id"), nullable=False)
    subscription_id = db.Column(db.String(64), nullable=False)
    # O8: suspension disables the enrollment's services: its subscriptions follow its status
    # (commitments.records.subscription_states); active, suspended, terminated, deprovisioned.
    status = db.Column(db.String(20), nullable=False, default="active", server_default="active")
    status_since = db.Column(db.Date)

    account = db.relationship("EnrollmentAccount", back_populates="subscriptions")
    # Set when an Online Purchase or trial subscription was converted in (one-way).
    converted_from = db.Column(db.String(20))
    converted_on = db.Column(db.Date)


class EnrollmentInvoice(db.Model):
    """What one of the partner's O6 invoices bills: a commitment order or a month's overage.

    The invoice itself is a billing invoice (billing.models.Invoice, issued by billing.ospa:
    the same gap-free numbering per issuer, the same pages, PDF, CSV and API, immutable, and
    paid by recorded payments); this row links it to the enrollment. The figures below read
    through to it, as the enrollment's pages and the O6 rules use them."""

    __tablename__ = "enrollment_invoices"

    id = db.Column(db.Integer, primary_key=True)
    enrollment_id = db.Column(db.Integer, db.ForeignKey("enrollments.id"), nullable=False,
                              index=True)
    invoice_id = db.Column(db.Integer, db.ForeignKey("invoices.id"), nullable=False,
                           unique=True)
    kind = db.Column(db.String(20), nullable=False)  # commitment or overage
    order_id = db.Column(db.Integer, db.ForeignKey("commitment_orders.id"))
    overage_month = db.Column(db.Date)

    # By name: billing sits above commitments and is mapped when the app starts.
    invoice = db.relationship("Invoice", lazy="joined", innerjoin=True)

    @property
    def number(self) -> str:
        return self.invoice.number

    @property
    def issued_by(self) -> str:
        """'provider' or 'reseller:<id>': the partner, the invoice's issuer (O6)."""
        return self.invoice.issuer

    @property
    def issued_on(self):
        return self.invoice.issue_date

    @property
    def due_on(self):
        return self.invoice.due_date

    @property
    def amount_excl_tax(self):
        return self.invoice.subtotal

    @property
    def tax_rate(self):
        return self.invoice.tax_rate

    @property
    def paid_on(self):
        """The day of the payment that settled it (O6: the VAT invoice follows), or None."""
        payments = self.invoice.payments
        if not payments or self.invoice.balance_due > 0:
            return None
        return max(p.paid_on for p in payments if p.amount > 0)


# The roles' tables (departments, administrators) live beside these; import them with these.
from commitments.records import role_models  # noqa: E402, F401
