"""Enrollment helpers: a draft, an active enrollment set up through the services."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import func, select

from billing.payments import PaymentInput, record_payment
from commitments.enrollment import Document, Status
from commitments.orders import OrderKind
from commitments.records import services
from commitments.records.partner_models import OspaPrice
from notifications.models import Notification
from persistence import db
from tests.conftest import login, post_form

START = date(2025, 4, 1)
SIGNED_ON = date(2025, 3, 20)
# Unified Social Credit Codes of mainland enterprises (91…, valid check characters).
ENTERPRISE_CODES = ("91110108MA01ABCD1E", "91440300MA5FXYW12N", "91310115593064730W")


def mainland_enterprise(customer, code: str = ENTERPRISE_CODES[0]):
    """Make the customer an enterprise registered in mainland China, OSPA's only buyers (O1)."""
    customer.country, customer.tax_id = "CN", code
    db.session.commit()
    return customer


def price_meters(partner_reseller_id, user, prices: dict[str, str], on: date = SIGNED_ON):
    """Put lines on the partner's OSPA price list (O6), effective from `on`."""
    for meter, price in prices.items():
        db.session.add(OspaPrice(partner_reseller_id=partner_reseller_id, meter=meter,
                                 unit_price=Decimal(price), effective_from=on,
                                 recorded_by_id=user.id))
    db.session.commit()


@contextmanager
def at(day: date, client=None, user=None):
    """Freeze the clock at noon on `day` (pages read today's date) and sign `user` in there:
    a session signed at the real time fails CSRF checks in the frozen past."""
    with time_machine.travel(datetime(day.year, day.month, day.day, 12), tick=False):
        if client is not None:
            login(client, user)
        yield


def activate(row, admin, amount: str = "100000", on: date = SIGNED_ON):
    """Sign the package, order year 1, pass the credit check and activate, all on `on`."""
    for document in Document:
        services.sign_document(row, document, "Li Wei", on, admin)
    services.place_commitment_order(row, OrderKind.INITIAL, 1, Decimal(amount), on, admin)
    services.change_status(row, Status.CREDIT_CHECK, on)
    services.record_credit_check(row, 1, True, "", on, admin)
    services.change_status(row, Status.ACTIVE, on)
    return row


# Sent on activation and with each order (#24), whatever else a test is counting; their own
# tests (tests/enrollments/test_ospa_usage.py) count them.
LETTERS = ("%: Welcome: your enrollment is ready", "%: Order confirmation")


def pay_commitment(row, on: date, user) -> None:
    """The customer pays the partner's open invoices by company wire transfer on `on` (O6), so
    an unpaid monetary commitment never suspends the enrollment (O8)."""
    for linked in row.invoices:
        if linked.invoice.balance_due > 0:
            entry = PaymentInput(amount=str(linked.invoice.balance_due), paid_on=on,
                                 method="wire_transfer", reference="wire")
            record_payment(linked.invoice, entry, on, user.id)


def notifications(user=None) -> int:
    """Notifications of the schedule and the thresholds (the letters are left out)."""
    query = select(func.count()).select_from(Notification).where(
        *(Notification.subject.not_like(letter) for letter in LETTERS))
    if user is not None:
        query = query.where(Notification.user_id == user.id)
    return db.session.scalar(query)


@pytest.fixture
def draft(world):
    """A draft enrollment of reseller A's customer starting 1 April 2025."""
    return services.create_enrollment(mainland_enterprise(world.customer_a), START)


@pytest.fixture
def active(world, draft):
    """The draft, signed, funded with RMB 100,000, credit-checked and active; reseller A
    prices Compute and Storage at RMB 1 a unit."""
    price_meters(world.reseller_a.id, world.admin, {"Compute": "1", "Storage": "1"})
    return activate(draft, world.admin)


@pytest.fixture
def admin_client(client, world):
    login(client, world.admin)
    return client


def post_action(client, row, action: str, data: dict):
    """Submit one form of the enrollment page with the page's CSRF token."""
    return post_form(client, f"/admin/enrollments/{row.id}/{action}", data,
                     token_url=f"/enrollments/{row.id}")


@pytest.fixture
def invoiced(world, active):
    """June runs RMB 20,000 past the commitment; its overage invoice goes out on 6 July."""
    # Imported here: that module's tests use this conftest's fixtures.
    from tests.enrollments.test_payments_and_customers import overrun, run_days
    overrun(world, active)
    run_days(date(2025, 7, 1), date(2025, 7, 9))
    return active
