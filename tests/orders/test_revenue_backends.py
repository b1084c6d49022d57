"""The dashboard's revenue is summed by the database, exactly, on both databases (SQLite
keeps Money as text: a SUM of it would go through floats)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from accounts.models import Customer
from billing import revenue
from billing.models import Charge
from persistence import db
from tests.provisioning.databases import BACKENDS, app_on


@pytest.fixture(params=BACKENDS)
def backend_app(request, tmp_path):
    with app_on(request.param, tmp_path) as app:
        yield app


def test_a_thousand_tenths_and_a_credit_sum_exactly_per_currency(backend_app):
    day = date(2026, 12, 4)
    customer = Customer(company_name="Sums Ltd", country="GB")
    db.session.add(customer)
    db.session.flush()
    charges = [("0.1000", "USD")] * 1000 + [("-0.0001", "USD"), ("19.9999", "EUR"),
                                            ("0.0001", "EUR")]
    db.session.add_all(
        Charge(source=f"s{n}", customer_id=customer.id, charge_type="cycle", quantity=1,
               unit_price=Decimal(amount), effective_unit_price=Decimal(amount),
               amount=Decimal(amount), currency=currency, period_start=day,
               period_end=day + timedelta(days=29), billing_month="2026-12")
        for n, (amount, currency) in enumerate(charges))
    db.session.commit()
    # A float sum of a thousand 0.1s is 99.9999999999986.
    expected = {"EUR": Decimal("20.0000"), "USD": Decimal("99.9999")}
    assert revenue.charged_on(day) == expected
    assert revenue.charged_in_month(day) == expected
    assert str(revenue.charged_on(day)["USD"]) == "99.9999"
