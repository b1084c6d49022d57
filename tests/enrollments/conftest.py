"""Enrollment helpers: a draft, an active enrollment set up through the services."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import func, select

from commitments.enrollment import Document, Status
from commitments.orders import OrderKind
from commitments.records import services
from notifications.models import Notification
from persistence import db
from tests.conftest import login, post_form

START = date(2025, 4, 1)
SIGNED_ON = date(2025, 3, 20)


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


def notifications(user=None) -> int:
    query = select(func.count()).select_from(Notification)
    if user is not None:
        query = query.where(Notification.user_id == user.id)
    return db.session.scalar(query)


@pytest.fixture
def draft(world):
    """A draft enrollment of reseller A's customer starting 1 April 2025."""
    return services.create_enrollment(world.customer_a, START)


@pytest.fixture
def active(world, draft):
    """The draft, signed, funded with RMB 100,000, credit-checked and active."""
    return activate(draft, world.admin)


@pytest.fixture
def admin_client(client, world):
    login(client, world.admin)
    return client


def post_action(client, row, action: str, data: dict):
    """Submit one form of the enrollment page with the page's CSRF token."""
    return post_form(client, f"/admin/enrollments/{row.id}/{action}", data,
                     token_url=f"/enrollments/{row.id}")
