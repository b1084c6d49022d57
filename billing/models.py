"""The billing records: the append-only charge ledger (B1–B3), tax rates (B5, admin data),
the gap-free invoice numbering per issuer and the invoices themselves (B4).

Charges are never edited: a correction is another charge (a credit is a negative one). An
issued invoice and its lines never change either: a correction is a credit note that names
the invoice it corrects. The ORM refuses the change, and database triggers refuse raw SQL.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from catalog.price_words import counted
from persistence import Money, db, utcnow
from persistence.append_only import append_only


class ImmutableRecordError(RuntimeError):
    """Raised on any attempt to change or remove a charge or an issued invoice."""


class ChargeType:
    """Microsoft's new commerce ChargeTypes, the names reconciliation files use
    (https://learn.microsoft.com/en-us/partner-center/billing/recon-file-charge-types)."""

    NEW = "new"
    RENEW = "renew"
    CYCLE = "cycleCharge"
    ADD_QUANTITY = "addQuantity"
    REMOVE_QUANTITY = "removeQuantity"
    CANCEL = "cancelImmediate"
    # R4: seats an upgrade moved, on the source (a credit) and the subscription they moved
    # into (a charge), to the end of the source's running cycle (partner-center-api-2.md §5).
    CONVERT = "convert"
    ONE_TIME = "oneTime"  # perpetual software, charged once
    CUSTOMER_CREDIT = "customerCredit"
    # Ours, not Microsoft's: an Azure plan's usage of a month (billing/azure_usage.py),
    # which Microsoft bills on its usage lines, not on the license-based reconciliation.
    AZURE_USAGE = "azureUsage"

    CYCLES = (NEW, RENEW, CYCLE)  # a charge cycle's own charge: bought, renewed, continued
    ALL = (NEW, RENEW, CYCLE, ADD_QUANTITY, REMOVE_QUANTITY, CANCEL, CONVERT, ONE_TIME,
           CUSTOMER_CREDIT, AZURE_USAGE)


class Charge(db.Model):
    """One charge or credit of one buyer for one period, at the buyer's price."""

    __tablename__ = "charges"
    # B6: a month's reconciliation also reads the charges later months billed whose period
    # begins in it (billing.late_billed): a range of days, then later months, in the index,
    # where billing_month's alone would read every month since.
    __table_args__ = (db.Index("ix_charges_period_start_billing_month", "period_start",
                               "billing_month"),)

    id = db.Column(db.Integer, primary_key=True)
    # The idempotency key: what happened, e.g. "line:42:2026-12" or "cancel:sub:7"; a re-run
    # that meets the same event again finds its charge instead of adding a second one.
    source = db.Column(db.String(120), nullable=False, unique=True)
    # Set when a reseller's customer bought: the reseller is then the one invoiced.
    buyer_reseller_id = db.Column(db.Integer, db.ForeignKey("resellers.id"), index=True)
    customer_id = db.Column(db.Integer, db.ForeignKey("customers.id"), nullable=False,
                            index=True)
    subscription_id = db.Column(db.Integer, db.ForeignKey("subscriptions.id"), index=True)
    order_line_id = db.Column(db.Integer)
    pc_subscription_id = db.Column(db.String(60), nullable=False, default="")
    charge_type = db.Column(db.String(30), nullable=False)
    description = db.Column(db.String(300), nullable=False, default="")
    quantity = db.Column(db.Integer, nullable=False)  # negative for removed seats' credits
    unit_price = db.Column(Money(), nullable=False)  # the buyer's, per full charge cycle
    retail_unit_price = db.Column(Money())  # the reseller's price to its end customer
    effective_unit_price = db.Column(Money(), nullable=False)  # prorated
    amount = db.Column(Money(), nullable=False)  # rounded once (B5); negative for credits
    currency = db.Column(db.String(3), nullable=False)
    # The market of the price paid: a reseller's invoice is taxed by it (see billing.tax).
    market = db.Column(db.String(2), nullable=False, default="")
    period_start = db.Column(db.Date, nullable=False)
    period_end = db.Column(db.Date, nullable=False)  # inclusive
    billing_month = db.Column(db.String(7), nullable=False, index=True)  # "YYYY-MM"
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    buyer_reseller = db.relationship("Reseller")
    customer = db.relationship("Customer")
    subscription = db.relationship("Subscription")


class TaxRate(db.Model):
    """The tax a buyer in one country pays (B5); admin data seeded from config/data."""

    __tablename__ = "tax_rates"

    id = db.Column(db.Integer, primary_key=True)
    country = db.Column(db.String(2), nullable=False, unique=True)
    rate = db.Column(db.Numeric(6, 4), nullable=False)  # 0.19 for 19 %
    inclusive = db.Column(db.Boolean, nullable=False, default=False)  # AU/BR prices (C6)
    label = db.Column(db.String(20), nullable=False, default="VAT")
    note = db.Column(db.String(300), nullable=False, default="")


class InvoiceSequence(db.Model):
    """The next number of one issuer's series, locked while an invoice takes it (B4)."""

    __tablename__ = "invoice_sequences"

    issuer = db.Column(db.String(40), primary_key=True)  # "provider", "provider:CN"
    next_number = db.Column(db.Integer, nullable=False, default=1)


class Invoice(db.Model):
    """An issued invoice or credit note: a snapshot of the buyer, the tax and the totals."""

    __tablename__ = "invoices"
    __table_args__ = (
        db.UniqueConstraint("issuer", "number"),
        db.CheckConstraint(
            "(buyer_reseller_id IS NULL) <> (buyer_customer_id IS NULL)", name="one_buyer"),
    )

    id = db.Column(db.Integer, primary_key=True)
    issuer = db.Column(db.String(40), nullable=False, default="provider")
    number = db.Column(db.String(30), nullable=False)  # INV-2026-000001, CN-2026-000001
    kind = db.Column(db.String(12), nullable=False, default="invoice")  # or credit_note
    corrects_invoice_id = db.Column(db.Integer, db.ForeignKey("invoices.id"), index=True)
    # A billing run's invoice per buyer, month, currency and tax country: the unique key a
    # re-run meets, so it never issues a second one. NULL for credit notes.
    run_key = db.Column(db.String(120), unique=True)
    buyer_reseller_id = db.Column(db.Integer, db.ForeignKey("resellers.id"), index=True)
    buyer_customer_id = db.Column(db.Integer, db.ForeignKey("customers.id"), index=True)
    billing_month = db.Column(db.String(7), nullable=False, index=True)
    currency = db.Column(db.String(3), nullable=False)
    issue_date = db.Column(db.Date, nullable=False)
    due_date = db.Column(db.Date, nullable=False)
    payment_terms_days = db.Column(db.Integer, nullable=False)
    tax_country = db.Column(db.String(2), nullable=False, default="")
    tax_label = db.Column(db.String(20), nullable=False, default="")
    tax_rate = db.Column(db.Numeric(6, 4), nullable=False, default=0)
    tax_inclusive = db.Column(db.Boolean, nullable=False, default=False)
    subtotal = db.Column(Money(), nullable=False)  # net of tax
    tax = db.Column(Money(), nullable=False)
    total = db.Column(Money(), nullable=False)  # what the buyer pays
    buyer_name = db.Column(db.String(200), nullable=False)
    buyer_address = db.Column(db.Text, nullable=False, default="")
    buyer_tax_id = db.Column(db.String(50), nullable=False, default="")
    # The issuer as it was at issue (billing.parties): later edits never reach an invoice.
    # Empty on invoices issued before the snapshot was kept; pages then show today's.
    issuer_name = db.Column(db.String(200), nullable=False, default="")
    issuer_address = db.Column(db.Text, nullable=False, default="")
    issuer_tax_id = db.Column(db.String(50), nullable=False, default="")
    note = db.Column(db.Text, nullable=False, default="")  # a credit note's reason
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    buyer_reseller = db.relationship("Reseller")
    buyer_customer = db.relationship("Customer")
    corrects = db.relationship("Invoice", remote_side=[id])
    lines = db.relationship("InvoiceLine", back_populates="invoice",
                            order_by="InvoiceLine.position")
    payments = db.relationship("Payment", back_populates="invoice",
                               order_by="[Payment.paid_on, Payment.id]")
    credit_notes = db.relationship("Invoice", viewonly=True, order_by="Invoice.id",
                                   foreign_keys=[corrects_invoice_id])

    @property
    def amount_paid(self) -> Decimal:
        """What the buyer has paid so far: every payment, reversals included."""
        return sum((p.amount for p in self.payments), Decimal(0))

    @property
    def amount_credited(self) -> Decimal:
        """What the credit notes correcting this invoice took off it (a positive figure)."""
        return -sum((note.total for note in self.credit_notes), Decimal(0))

    @property
    def balance_due(self) -> Decimal:
        """What is still owed: the total, less credit notes and payments (never below 0
        on an invoice: over-payment is refused; a credit note's balance is 0)."""
        if self.kind != "invoice":
            return Decimal(0)
        return max(self.total - self.amount_credited - self.amount_paid, Decimal(0))

    def status_on(self, today: date) -> str:
        """paid, credited (its credit notes settled it and nothing was paid), partially_paid,
        unpaid or overdue (past the due date with a balance); a credit note is credit_note.
        Credited in part and paid for the rest is paid: the buyer paid what it owed."""
        if self.kind != "invoice":
            return "credit_note"
        if self.balance_due <= 0:
            return "credited" if self.amount_paid <= 0 < self.amount_credited else "paid"
        if today > self.due_date:
            return "overdue"
        return "partially_paid" if self.amount_paid > 0 else "unpaid"

    @property
    def status(self) -> str:
        """The status today (UTC)."""
        return self.status_on(utcnow().date())


class InvoiceLine(db.Model):
    """One charge as invoiced: a charge is invoiced once (the unique charge_id)."""

    __tablename__ = "invoice_lines"

    id = db.Column(db.Integer, primary_key=True)
    invoice_id = db.Column(db.Integer, db.ForeignKey("invoices.id"), nullable=False,
                           index=True)
    # Unique: a charge lands on one invoice only. A credit note's lines point at no charge.
    charge_id = db.Column(db.Integer, db.ForeignKey("charges.id"), unique=True)
    customer_id = db.Column(db.Integer, db.ForeignKey("customers.id"), nullable=False)
    customer_name = db.Column(db.String(200), nullable=False)
    subscription_id = db.Column(db.Integer)
    subscription_label = db.Column(db.String(300), nullable=False, default="")
    description = db.Column(db.String(300), nullable=False, default="")
    charge_type = db.Column(db.String(30), nullable=False)
    period_start = db.Column(db.Date, nullable=False)
    period_end = db.Column(db.Date, nullable=False)
    quantity = db.Column(db.Integer, nullable=False)
    unit_price = db.Column(Money(), nullable=False)
    amount = db.Column(Money(), nullable=False)
    position = db.Column(db.Integer, nullable=False)

    invoice = db.relationship("Invoice", back_populates="lines")
    charge = db.relationship("Charge")


class PaymentMethod:
    """How a buyer paid (B4 payments)."""

    WIRE_TRANSFER = "wire_transfer"
    CHEQUE = "cheque"
    CARD = "card"
    OTHER = "other"

    LABELS = {WIRE_TRANSFER: "Wire transfer", CHEQUE: "Cheque", CARD: "Card", OTHER: "Other"}


class Payment(db.Model):
    """One payment against an invoice, recorded by a provider admin. Append-only like the
    ledger: a payment recorded by mistake is reversed by a negative one with its reason."""

    __tablename__ = "invoice_payments"

    id = db.Column(db.Integer, primary_key=True)
    invoice_id = db.Column(db.Integer, db.ForeignKey("invoices.id"), nullable=False,
                           index=True)
    amount = db.Column(Money(), nullable=False)  # negative for a reversal
    paid_on = db.Column(db.Date, nullable=False)
    method = db.Column(db.String(20), nullable=False)
    reference = db.Column(db.String(120), nullable=False, default="")
    reason = db.Column(db.Text, nullable=False, default="")  # required for a reversal
    recorded_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    invoice = db.relationship("Invoice", back_populates="payments")
    recorded_by = db.relationship("User")

    @property
    def method_label(self) -> str:
        return PaymentMethod.LABELS.get(self.method, self.method)


class BillingRun(db.Model):
    """One billing run for one month: who started it, what it added (charges, invoices and
    the credit notes that correct earlier invoices, billing.corrections), the last day it
    charged in full, and why a buyer was left out (e.g. no tax rate for its country). Runs
    may repeat; they never double."""

    __tablename__ = "billing_runs"

    id = db.Column(db.Integer, primary_key=True)
    month = db.Column(db.String(7), nullable=False, index=True)
    started_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    started_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    finished_at = db.Column(db.DateTime(timezone=True))
    charges_added = db.Column(db.Integer, nullable=False, default=0)
    invoices_issued = db.Column(db.Integer, nullable=False, default=0)
    credit_notes_issued = db.Column(db.Integer, nullable=False, default=0, server_default="0")
    # Its month's last day, or the day before the run for a month billed before it ended:
    # the next run charges what happened after it first (billing.runs). NULL before 0046.
    charged_through = db.Column(db.Date)
    problems = db.Column(db.Text, nullable=False, default="")  # one per line

    started_by = db.relationship("User")

    @property
    def outcome(self) -> str:
        """"Billed 2026-11: 1 new charge, 2 invoices and 1 credit note issued." (the page
        and the CLI); a run that issued no credit note does not mention them, and one for a
        month not over yet says what becomes of the rest of it."""
        notes = (f" and {counted(self.credit_notes_issued, 'credit note')}"
                 if self.credit_notes_issued else "")
        return (f"Billed {self.month}: {counted(self.charges_added, 'new charge')}, "
                f"{counted(self.invoices_issued, 'invoice')}{notes} issued.{self._rest()}")

    def _rest(self) -> str:
        after = self.charged_through and self.charged_through + timedelta(days=1)
        if not after or f"{after:%Y-%m}" != self.month:
            return ""
        return (f" What happens in {self.month} from {after:%Y-%m-%d} on is charged by the "
                "next run.")


IMMUTABLE_TABLES = ("charges", "invoices", "invoice_lines", "invoice_payments")


append_only(
    (Charge, Invoice, InvoiceLine, Payment),
    refuse=lambda row: ImmutableRecordError(
        f"{type(row).__name__} rows never change (B3/B4): add a credit or a credit note"),
    message="immutable billing record", function="refuse_billing_change",
    trigger_suffix="immutable")


class AzureUsageToDate(db.Model):
    """The Azure usage Microsoft has rated in the current billing period and not invoiced
    yet, per customer and Azure subscription, as last read (billing/azure_usage.py): the
    estimate an Azure plan's page shows. Replaced at every read; never billed from (the
    month's usage is billed from Microsoft's invoice, once it is out)."""

    __tablename__ = "azure_usage_to_date"
    __table_args__ = (db.UniqueConstraint("customer_id", "entitlement_id", "currency"),)

    id = db.Column(db.Integer, primary_key=True)
    customer_id = db.Column(db.Integer, db.ForeignKey("customers.id"), nullable=False,
                            index=True)
    entitlement_id = db.Column(db.String(64), nullable=False)  # the Azure subscription
    name = db.Column(db.String(200), nullable=False, default="")
    currency = db.Column(db.String(3), nullable=False)
    cost = db.Column(Money(), nullable=False)  # what Microsoft charges the partner
    listed = db.Column(Money(), nullable=False)  # at the price list's price
    first_day = db.Column(db.Date, nullable=False)
    last_day = db.Column(db.Date, nullable=False)
    read_at = db.Column(db.DateTime(timezone=True), nullable=False)
