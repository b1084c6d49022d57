"""Shared facts for the commitments tests: a signed, funded, active enrollment."""

from datetime import date
from decimal import Decimal

import pytest

from commitments.credit import CreditCheck
from commitments.enrollment import Document, Enrollment, Status
from commitments.orders import CommitmentOrder, OrderKind

START = date(2025, 4, 1)


@pytest.fixture
def draft() -> Enrollment:
    """A fresh draft enrollment starting 1 April 2025, nothing signed."""
    return Enrollment("V5700001", "customer-1", "partner-1", START)


@pytest.fixture
def signed(draft: Enrollment) -> Enrollment:
    """The draft with all four documents signed, waiting for its credit check."""
    return Enrollment(
        draft.number,
        draft.customer_id,
        draft.partner_id,
        draft.start,
        signed_documents=frozenset(Document),
        status=Status.CREDIT_CHECK,
    )


@pytest.fixture
def initial_order() -> CommitmentOrder:
    """Year 1 commitment of RMB 100,000 ordered before the start."""
    return CommitmentOrder(OrderKind.INITIAL, 1, Decimal("100000.00"), date(2025, 3, 20))


@pytest.fixture
def passed_check() -> CreditCheck:
    """The year 1 credit check, passed."""
    return CreditCheck(1, date(2025, 3, 15), passed=True)


@pytest.fixture
def active(signed: Enrollment) -> Enrollment:
    """The enrollment, active since its start."""
    return Enrollment(
        signed.number,
        signed.customer_id,
        signed.partner_id,
        signed.start,
        signed_documents=signed.signed_documents,
        status=Status.ACTIVE,
        status_since=START,
    )
