"""Demo enrollment: active, year 1 funded with RMB 120,000, usage past 50% (O1, O5).

Dates are relative to the day the demo loads so the burn-down always shows a running year.
Built through the same services as the pages; found by customer, so loading twice adds nothing.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from accounts.models import Customer, User
from commitments.enrollment import Document, Status
from commitments.notices import NoticeKind
from commitments.orders import OrderKind
from commitments.records import models, services
from commitments.records.daily import dispatch_due
from persistence import db

COMMITMENT = Decimal("120000")
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


def load_enrollment(customer: Customer, admin: User, today: date) -> int:
    """Create the demo enrollment of `customer` unless it has one; returns records added."""
    query = select(models.Enrollment).where(models.Enrollment.customer_id == customer.id)
    if db.session.scalars(query).first() is not None:
        return 0
    start = today - timedelta(days=120)
    row = services.create_enrollment(customer, start)
    _activate(row, admin, start - timedelta(days=10))
    for days, meter, quantity, price in USAGE:
        row.usage.append(models.UsageRecord(used_on=start + timedelta(days=days), meter=meter,
                                            quantity=quantity, unit_price=price,
                                            recorded_by_id=admin.id))
    db.session.flush()
    dispatch_due(row, today, kinds={NoticeKind.USAGE_THRESHOLD})  # the 50% notice
    services.add_account(row, "Shanghai R&D", "it-admin@yunshan.partner.omschina.cn")
    return 1 + len(USAGE)
