"""Marshmallow schemas of the invoices API (B4): shape only. Amounts are decimal strings in
the invoice's currency, rounded once to its minor unit as the invoice states them."""

from __future__ import annotations

from decimal import Decimal

from marshmallow import Schema, fields, validate

from persistence.money import round_money
from storefront.api.schemas import PageQuery, UtcDateTime

MONTH = r"^$|^\d{4}-(0[1-9]|1[0-2])$"


class InvoiceQuery(PageQuery):
    month = fields.String(load_default="", validate=validate.Regexp(
        MONTH, error="Write the billing month as YYYY-MM, e.g. 2026-11."),
        metadata={"description": "Only invoices of this billing month (YYYY-MM)."})
    kind = fields.String(load_default="", validate=validate.OneOf(
        ["", "invoice", "credit_note"]), metadata={"description": "invoice or credit_note."})
    status = fields.String(load_default="", validate=validate.OneOf(
        ["", "unpaid", "partially_paid", "paid", "credited", "overdue"]), metadata={
        "description": "Only invoices in this payment status: unpaid, partially_paid, paid, "
                       "credited (settled by credit notes, nothing paid) or overdue (past "
                       "the due date with a balance)."})


class Amount(fields.Field):
    """A money amount as exact text with the currency's decimals (e.g. "112.89")."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).update(type="string", example="112.89")
        super().__init__(**kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return str(round_money(Decimal(value), _currency(obj)))


class UnitPrice(fields.Field):
    """A unit price as exact text: the currency's decimals at least (e.g. "10.08")."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).update(type="string", example="10.08")
        super().__init__(**kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        rounded = round_money(Decimal(value), _currency(obj))
        return str(rounded if rounded == value else Decimal(format(value.normalize(), "f")))


def _currency(obj) -> str:
    """The currency of an invoice, or of the invoice a line belongs to."""
    return getattr(obj, "currency", None) or obj.invoice.currency


class InvoiceLineSchema(Schema):
    position = fields.Integer(required=True)
    customer_id = fields.Integer(required=True)
    customer_name = fields.String(required=True)
    subscription_id = fields.Integer(allow_none=True, required=True)
    subscription = fields.String(attribute="subscription_label", required=True)
    description = fields.String(required=True)
    charge_type = fields.String(required=True, metadata={
        "description": "Microsoft's new commerce charge type: new, renew, cycleCharge, "
                       "addQuantity, removeQuantity, cancelImmediate, convert (licences an "
                       "upgrade moved), oneTime, customerCredit; "
                       "azureUsage for an Azure plan's usage of a month."})
    period_start = fields.Date(required=True)
    period_end = fields.Date(required=True, metadata={"description": "Inclusive."})
    quantity = fields.Integer(required=True, metadata={"description": "Negative for credits."})
    unit_price = UnitPrice(required=True)
    amount = Amount(required=True)


class InvoiceSchema(Schema):
    id = fields.Integer(required=True)
    number = fields.String(required=True, metadata={"example": "INV-2026-000001"})
    kind = fields.String(required=True, metadata={"description": "invoice or credit_note."})
    corrects_invoice_id = fields.Integer(allow_none=True, required=True)
    buyer_reseller_id = fields.Integer(allow_none=True, required=True)
    buyer_customer_id = fields.Integer(allow_none=True, required=True)
    buyer_name = fields.String(required=True)
    buyer_address = fields.String(required=True)
    billing_month = fields.String(required=True, metadata={"example": "2026-11"})
    currency = fields.String(required=True)
    issue_date = fields.Date(required=True)
    due_date = fields.Date(required=True)
    payment_terms_days = fields.Integer(required=True)
    tax_label = fields.String(required=True)
    tax_rate = fields.Method("_rate", required=True, metadata={
        "type": "string", "example": "0.19", "description": "A fraction: 0.19 is 19 %."})
    tax_inclusive = fields.Boolean(required=True, metadata={
        "description": "Prices include the tax (Australia, Brazil)."})
    subtotal = Amount(required=True, metadata={"description": "Net of tax."})
    tax = Amount(required=True)
    total = Amount(required=True, metadata={"description": "What the buyer pays."})
    status = fields.String(required=True, metadata={
        "description": "unpaid, partially_paid, paid, credited (settled by its credit notes "
                       "with nothing paid), overdue (past the due date with a balance), or "
                       "credit_note for a credit note."})
    amount_paid = Amount(required=True, metadata={
        "description": "Payments received so far, reversals deducted."})
    balance_due = Amount(required=True, metadata={
        "description": "What is still owed: the total less credit notes and payments."})
    issuer_name = fields.String(required=True)
    issuer_address = fields.String(required=True)
    issuer_tax_id = fields.String(required=True)
    buyer_tax_id = fields.String(required=True)
    note = fields.String(required=True)
    created_at = UtcDateTime(required=True)

    def _rate(self, invoice) -> str:
        return format(Decimal(invoice.tax_rate).normalize(), "f")


class InvoiceDetailSchema(InvoiceSchema):
    lines = fields.List(fields.Nested(InvoiceLineSchema), required=True)
