"""Demo enrollment: active, year 1 funded with RMB 120,000, usage past 50% (O1, O5).

Dates are relative to the day the demo loads so the burn-down always shows a running year.
Built through the same services as the pages; found by customer, so loading twice adds nothing.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from accounts.models import Customer, User
from billing.models import PaymentMethod
from billing.payments import PaymentInput, record_payment
from commitments.enrollment import Document, Status
from commitments.notices import NoticeKind, UsageFrequency
from commitments.orders import OrderKind
from commitments.records import models, services
from commitments.records.daily import dispatch_due
from demo.ospa_prices import load_prices
from persistence import db

COMMITMENT = Decimal("120000")
SUBSCRIPTION = "3f2c9a7e-5b1d-4e8a-9c6f-0d7e1a2b3c4d"  # the R&D account's subscription
# (days after the start, meter, quantity, unit price): RMB 76,800 used, 64% of the commitment.
USAGE = [
    (10, "Virtual Machines D4s v5 (hours)", Decimal("9000"), Decimal("2.40")),
    (40, "Virtual Machines D4s v5 (hours)", Decimal("9000"), Decimal("2.40")),
    (70, "Azure SQL Database vCore (hours)", Decimal("6000"), Decimal("3.20")),
    (100, "Blob Storage (GB-month)", Decimal("40000"), Decimal("0.30")),
    (110, "Virtual Machines D4s v5 (hours)", Decimal("1000"), Decimal("2.40")),
]


def _activate(row: models.Enrollment, admin: User, signed_on: date) -> None:
    for document in Document:
        services.sign_document(row, document, "陈静 Chen Jing", signed_on, admin)
    services.place_commitment_order(row, OrderKind.INITIAL, 1, COMMITMENT, signed_on, admin)
    services.change_status(row, Status.CREDIT_CHECK, signed_on)
    services.record_credit_check(row, 1, True, "Business licence, tax registration and two "
                                 "years of financial reports received.", signed_on, admin)
    services.change_status(row, Status.ACTIVE, signed_on)
    # Paid by company wire transfer within the 30 days: an unpaid commitment is suspended (O8).
    for linked in row.invoices:
        record_payment(linked.invoice, PaymentInput(str(linked.invoice.balance_due), signed_on,
                                                    PaymentMethod.WIRE_TRANSFER, "Demo wire"),
                       signed_on, admin.id)


def load_enrollment(customer: Customer, admin: User, today: date) -> int:
    """Create the demo enrollment of `customer` unless it has one; returns records added."""
    query = select(models.Enrollment).where(models.Enrollment.customer_id == customer.id)
    if db.session.scalars(query).first() is not None:
        return 0
    start = today - timedelta(days=120)
    # O7: the customer's Org ID becomes the primary Enterprise Administrator.
    row = services.create_enrollment(customer, start,
                                     org_id="chen.jing@yunshan.partner.omschina.cn")
    _activate(row, admin, start - timedelta(days=10))
    account = services.add_account(row, "Shanghai R&D", "it-admin@yunshan.partner.omschina.cn")
    services.add_subscription(account, SUBSCRIPTION)
    for days, meter, quantity, price in USAGE:  # per account and subscription (O5)
        row.usage.append(models.UsageRecord(used_on=start + timedelta(days=days), meter=meter,
                                            quantity=quantity, unit_price=price,
                                            subscription=account.subscriptions[0],
                                            recorded_by_id=admin.id))
    row.usage_frequency = UsageFrequency.WEEKLY.value
    db.session.flush()
    dispatch_due(row, today, kinds={NoticeKind.USAGE_THRESHOLD})  # the 50% notice
    added = load_prices(row.partner_reseller_id, admin, start - timedelta(days=30), today)
    db.session.commit()
    return 1 + len(USAGE) + added
