"""Checkout keeps the reference data (C1 switches, K3/K10 lists, markups) per catalog
version: an admin's change is enforced on the very next checkout of every worker.
The changes are committed through the session, as the admin pages commit them.

Each test checks out once first, so the old data is cached when the change is made."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from catalog.models import CatalogSettings, CountryListEntry, ResellerMarkup
from orders import cart as carts
from orders.models import Order
from persistence import db
from tests.checkout.conftest import confirm_mca
from tests.checkout.test_place_order import place
from tests.conftest import login, make_customer, make_price, post_form


def dry_run(client, customer):
    return post_form(client, f"/cart/{customer.id}/check", {},
                     token_url=f"/cart?customer={customer.id}")


def test_a_country_an_admin_adds_to_k3_needs_a_tax_id_on_the_next_checkout(
        client, world, fresh):
    login(client, world.reseller_a_user)
    assert dry_run(client, fresh).status_code == 200
    # As the admin page does it: any committed write to the list raises the version.
    db.session.add(CountryListEntry(list_name="k3", code="US", name="United States",
                                    required_from=date(2020, 11, 1)))
    db.session.commit()
    response = dry_run(client, fresh)
    assert response.status_code == 422
    assert 'data-code="K3.missing_tax_id"' in response.get_data(as_text=True)


def test_annual_billing_switched_on_is_offered_on_the_next_checkout_c1(client, world, fresh):
    annual = make_price(title="Dynamics 365 Sales", product_id="CFQ7TTC0LH18", family="dynamics",
                        term="P1Y", cycle="annual", new_subscription_per_order=True)
    db.session.add(annual)
    db.session.commit()
    carts.add_line(carts.cart_for(world.reseller_a_user, fresh), annual.id, 1)
    login(client, world.reseller_a_user)
    refused = dry_run(client, fresh)
    assert 'data-code="C1.annual_billing_disabled"' in refused.get_data(as_text=True)
    settings = CatalogSettings.current()
    settings.annual_billing_cycle_enabled = settings.annual_provisioning_enabled = True
    db.session.commit()
    assert "C1." not in dry_run(client, fresh).get_data(as_text=True)


def test_a_markup_set_after_an_order_prices_the_next_order(client, world, fresh):
    login(client, world.reseller_a_user)
    place(client, fresh)  # reads (and keeps) reseller A's markups: none yet
    db.session.add(ResellerMarkup(reseller_id=world.reseller_a.id, product_id=None,
                                  markup_percent=Decimal("10")))
    db.session.commit()
    second = make_customer(world.reseller_a, "Epsilon GmbH", phone="+49 30 557")
    db.session.add(second)
    db.session.commit()
    confirm_mca(second, world.reseller_a_user)
    carts.add_line(carts.cart_for(world.reseller_a_user, second), world.price.id, 5)
    place(client, second, key="k2")
    first, then = (db.session.scalar(select(Order).filter_by(customer_id=c.id))
                   for c in (fresh, second))
    assert first.lines[0].unit_price == Decimal("12.50")  # no markup: the sell price
    assert then.lines[0].unit_price == Decimal("11.00") and then.total == Decimal("55.00")
