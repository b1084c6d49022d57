"""Invoices written straight into the tables, for tests about who may read them (the access
matrix, the API's scope); tests of the figures run real billing instead."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

from billing.models import Invoice, InvoiceLine
from persistence import db

_numbers = itertools.count(900_001)


def make_invoice(*, reseller=None, customer=None, end_customer=None,
                 amount: str = "100.00", currency: str = "EUR", rate: str = "0.19") -> Invoice:
    """An issued invoice of one line to a reseller (for its `end_customer`) or to a direct
    `customer`, at 19 % VAT unless `rate` says otherwise."""
    net, tax_rate = Decimal(amount), Decimal(rate)
    buyer = reseller or customer
    line_customer = end_customer or customer
    invoice = Invoice(
        issuer="provider", number=f"INV-2025-{next(_numbers):06d}", kind="invoice",
        buyer_reseller_id=reseller.id if reseller else None,
        buyer_customer_id=customer.id if customer else None, billing_month="2025-03",
        currency=currency, issue_date=date(2025, 4, 1), due_date=date(2025, 5, 1),
        payment_terms_days=30, tax_country="DE", tax_label="VAT", tax_rate=tax_rate,
        tax_inclusive=False, subtotal=net, tax=net * tax_rate,
        total=net * (1 + tax_rate), buyer_name=buyer.company_name, buyer_address="",
        lines=[InvoiceLine(customer_id=line_customer.id,
                           customer_name=line_customer.company_name,
                           subscription_label="Microsoft 365 Business Standard",
                           description="Microsoft 365 Business Standard", charge_type="new",
                           period_start=date(2025, 3, 1), period_end=date(2025, 3, 31),
                           quantity=1, unit_price=net, amount=net, position=1)])
    db.session.add(invoice)
    db.session.commit()
    return invoice
