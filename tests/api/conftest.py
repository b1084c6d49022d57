"""API fixtures: tokens for each owner and a customer ready to order (MCA confirmed)."""

from __future__ import annotations

import pytest

from tests.api.factories import bearer
from tests.checkout.conftest import ready_customer


@pytest.fixture
def as_a(world):
    """Reseller A's token."""
    return bearer(world.reseller_a_user)


@pytest.fixture
def as_b(world):
    return bearer(world.reseller_b_user)


@pytest.fixture
def as_direct(world):
    return bearer(world.direct_user)


@pytest.fixture
def ready(world):
    """A reseller-A customer every rule accepts: complete address, phone, MCA confirmed."""
    return ready_customer(world)


def order_body(customer, price, quantity: int = 5, **line) -> dict:
    return {"customer_id": customer.id,
            "lines": [{"price_id": price.id, "quantity": quantity, **line}]}
