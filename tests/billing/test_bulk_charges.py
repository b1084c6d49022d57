"""B1/B5 at scale: the cycle charges billing writes with one INSERT … SELECT (billing.bulk)
come out as the row-by-row rule computes them: the exact price × seats cut toward zero to
the currency's minor unit, whatever its decimals (JPY none, KWD three), at the buyer's
price, and once however often billing runs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from billing.charges import generate_charges
from billing.models import Charge
from persistence import db
from tests.billing.conftest import price_in, provisioned


@pytest.mark.parametrize(("market", "currency", "erp", "seats", "amount"), [
    ("JP", "JPY", "1234.5678", 3, "3703"),  # 3703.7034: no minor unit, cut
    ("KW", "KWD", "9.4567", 7, "66.196"),  # 66.1969: three decimals, cut
    ("DE", "EUR", "9.408", 12, "112.89"),  # Microsoft's 112.896 → 112.89
])
def test_a_months_cycle_charge_is_price_times_seats_cut_to_the_minor_unit(
        shop, clock, pc_client, market, currency, erp, seats, amount):
    sub = provisioned(shop.direct, shop.direct_user, price_in(shop, market, currency, erp),
                      seats, pc_client)
    assert generate_charges("2021-07", date(2021, 7, 31)) == 1
    charge = db.session.scalar(select(Charge).where(Charge.billing_month == "2021-07"))
    assert (charge.source, charge.charge_type, charge.quantity, charge.currency) == (
        f"sub:{sub.id}:2021-07-18", "renew", seats, currency)  # a monthly term renews
    assert (charge.period_start, charge.period_end) == (date(2021, 7, 18), date(2021, 8, 17))
    assert charge.amount == Decimal(amount) and charge.unit_price == Decimal(erp)
    assert (charge.buyer_reseller_id, charge.retail_unit_price, charge.market) == (
        None, None, market)


def test_a_resellers_charge_is_at_its_price_with_the_end_customers_retail_price(
        shop, clock, pc_client):
    price = price_in(shop, "DE", "EUR", "10.08")
    provisioned(shop.customer_a, shop.reseller_a_user, price, 4, pc_client)
    generate_charges("2021-07", date(2021, 7, 31))
    charge = db.session.scalar(select(Charge).where(Charge.billing_month == "2021-07"))
    assert charge.buyer_reseller_id == shop.reseller_a.id
    # The reseller pays the price its customer's order line shows (cost plus its markup).
    assert charge.unit_price == charge.subscription.order_line.unit_price
    assert charge.retail_unit_price == (price.retail_price if price.retail_price is not None
                                        else price.erp_price)
    assert charge.amount == charge.unit_price * 4


def test_billing_a_month_again_adds_nothing(shop, clock, pc_client):
    provisioned(shop.direct, shop.direct_user, price_in(shop, "GB", "GBP", "9.40"), 2,
                pc_client)
    assert generate_charges("2021-07", date(2021, 7, 31)) == 1
    assert generate_charges("2021-07", date(2021, 7, 31)) == 0
    assert db.session.scalar(select(func.count(Charge.id)).where(
        Charge.billing_month == "2021-07")) == 1


def test_a_cycle_that_starts_after_today_is_not_charged_yet(shop, clock, pc_client):
    provisioned(shop.direct, shop.direct_user, price_in(shop, "GB", "GBP", "9.40"), 2,
                pc_client)
    assert generate_charges("2021-07", date(2021, 7, 17)) == 0  # its cycle starts the 18th
    assert generate_charges("2021-07", date(2021, 7, 18)) == 1
