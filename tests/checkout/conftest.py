"""Checkout fixtures: a customer ready to order through the pages."""

from __future__ import annotations

from datetime import date

import pytest

from agreements import mca
from connectors.partner_center.sandbox import seed
from orders import cart as carts
from persistence import db
from tests.conftest import login, make_customer


def confirm_mca(customer, user) -> None:
    mca.record_acceptance(customer=customer, user=user, signer=mca.Signer(
        "Ada", "Lovelace", "ada@example.com"), template_id=seed.MCA_TEMPLATE_ID,
        version=seed.MCA_TEMPLATE_ID, date_agreed=date(2026, 11, 23))


def ready_customer(world):
    """A new reseller-A customer every rule accepts: complete address, phone, MCA confirmed."""
    customer = make_customer(world.reseller_a, "Gamma GmbH", phone="+49 30 555")
    db.session.add(customer)
    db.session.commit()
    confirm_mca(customer, world.reseller_a_user)
    return customer


def us_customer(world, name: str = "Gamma Inc"):
    """A reseller-A customer in the price's market, every rule met (MCA confirmed)."""
    customer = make_customer(world.reseller_a, name, country="US", city="Redmond",
                             region="WA", postal_code="98052", phone="+1 425 555 0100")
    db.session.add(customer)
    db.session.commit()
    confirm_mca(customer, world.reseller_a_user)
    return customer


@pytest.fixture
def buyer(browser, world):
    """Reseller A's user, signed in."""
    client = browser()
    login(client, world.reseller_a_user)
    return client


@pytest.fixture
def fresh(world):
    """A ready customer (ready_customer) with one Business line in the cart."""
    customer = ready_customer(world)
    cart = carts.cart_for(world.reseller_a_user, customer)
    carts.add_line(cart, world.price.id, 5)
    return customer
