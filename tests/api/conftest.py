"""API fixtures: tokens for each owner and a customer ready to order (MCA confirmed)."""

from __future__ import annotations

import pytest

from storefront.extensions import db
from tests.api.factories import bearer
from tests.checkout.conftest import confirm_mca
from tests.conftest import make_customer


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
    customer = make_customer(world.reseller_a, "Gamma GmbH", phone="+49 30 555")
    db.session.add(customer)
    db.session.commit()
    confirm_mca(customer, world.reseller_a_user)
    return customer


def order_body(customer, price, quantity: int = 5, **line) -> dict:
    return {"customer_id": customer.id,
            "lines": [{"price_id": price.id, "quantity": quantity, **line}]}
