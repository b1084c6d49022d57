"""B1–B3: charges derived from provisioned orders, seat changes and cancellations, checked
against Microsoft's worked examples with frozen time:
https://learn.microsoft.com/en-us/partner-center/billing/common-billing-scenarios-onetime-recurring
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from billing.charges import generate_charges
from billing.models import Charge
from catalog.models import ResellerMarkup
from persistence import db
from subscriptions import services
from subscriptions.sync import sync_customer
from tests.billing.conftest import price_in, provisioned

BOUGHT = datetime(2021, 6, 18, 9, tzinfo=UTC)


def charges(month: str | None = None) -> list[tuple]:
    query = select(Charge).order_by(Charge.id)
    if month:
        query = query.where(Charge.billing_month == month)
    return [(c.charge_type, c.quantity, c.effective_unit_price, c.amount, c.period_start,
             c.period_end) for c in db.session.scalars(query)]


def test_microsofts_seat_addition_example_is_charged_as_its_reconciliation_lines(
        shop, clock, pc_client):
    # "10 seats of Microsoft 365 Business Standard on June 18, 2021, for EUR 10.08 each,
    # monthly; two more seats on June 20": new 100.80, then −94.08 and +112.89 (28 of 30 days)
    eur = price_in(shop, "DE", "EUR", erp="10.08")
    sub = provisioned(shop.customer_a, shop.reseller_a_user, eur, 10, pc_client)
    clock.move_to(datetime(2021, 6, 20, 11, tzinfo=UTC))
    provisioned(shop.customer_a, shop.reseller_a_user, eur, 2, pc_client, add_to=sub)
    assert generate_charges("2021-06", date(2021, 6, 30)) == 3
    june, end = date(2021, 6, 20), date(2021, 7, 17)
    assert charges() == [
        ("new", 10, Decimal("10.08"), Decimal("100.80"), date(2021, 6, 18), end),
        ("addQuantity", -10, Decimal("9.408"), Decimal("-94.08"), june, end),
        ("addQuantity", 12, Decimal("9.408"), Decimal("112.89"), june, end)]


def test_a_rerun_adds_no_charge_twice(shop, clock, pc_client):
    provisioned(shop.customer_a, shop.reseller_a_user, shop.price, 3, pc_client)
    assert generate_charges("2021-06", date(2021, 6, 30)) == 1
    assert generate_charges("2021-06", date(2021, 6, 30)) == 0
    assert len(charges()) == 1


def test_a_monthly_term_renews_with_the_seats_it_has_then(shop, clock, pc_client):
    eur = price_in(shop, "DE", "EUR", erp="10.08")
    sub = provisioned(shop.customer_a, shop.reseller_a_user, eur, 10, pc_client)
    clock.move_to(datetime(2021, 7, 20, tzinfo=UTC))  # after the 18 July renewal
    provisioned(shop.customer_a, shop.reseller_a_user, eur, 2, pc_client, add_to=sub)
    generate_charges("2021-07", date(2021, 7, 31))
    renew, *pair = charges("2021-07")
    # "If you decide to renew your subscription, you'll see a new transaction with the
    # ChargeType renew and the ChargeStartDate July 18, 2021": 10 seats, 100.80
    assert renew == ("renew", 10, Decimal("10.08"), Decimal("100.80"), date(2021, 7, 18),
                     date(2021, 8, 17))
    assert [p[1] for p in pair] == [-10, 12]


def test_an_annual_term_billed_monthly_has_cycle_charges_between_renewals(
        shop, clock, pc_client):
    annual = price_in(shop, "DE", "EUR", erp="10.08", term="P1Y", cycle="monthly")
    provisioned(shop.customer_a, shop.reseller_a_user, annual, 10, pc_client)
    for month, last in (("2021-06", date(2021, 6, 30)), ("2021-07", date(2021, 7, 31))):
        generate_charges(month, last)
    assert [c[0] for c in charges()] == ["new", "cycleCharge"]
    assert charges("2021-07")[0][4:] == (date(2021, 7, 18), date(2021, 8, 17))


def test_no_cycle_is_charged_before_it_starts(shop, clock, pc_client):
    provisioned(shop.customer_a, shop.reseller_a_user, shop.price, 3, pc_client)
    assert generate_charges("2021-07", date(2021, 7, 17)) == 0  # renews on the 18th
    assert generate_charges("2021-07", date(2021, 7, 18)) == 1


def test_a_resellers_customer_is_charged_the_resellers_price_with_its_retail_beside(
        shop, clock, pc_client):
    db.session.add(ResellerMarkup(reseller_id=shop.reseller_a.id, markup_percent=Decimal(5)))
    db.session.commit()
    eur = price_in(shop, "DE", "EUR", erp="10.08")  # cost 8.064
    provisioned(shop.customer_a, shop.reseller_a_user, eur, 10, pc_client)
    generate_charges("2021-06", date(2021, 6, 30))
    charge = db.session.scalar(select(Charge))
    # What the shop showed the reseller: cost + 5 %, rounded by the one rule (8.4672 → 8.47)
    assert charge.unit_price == Decimal("8.47") and charge.amount == Decimal("84.70")
    assert charge.retail_unit_price == Decimal("10.08")
    assert charge.buyer_reseller_id == shop.reseller_a.id and charge.market == "DE"


def test_a_direct_customer_is_charged_retail(shop, clock, pc_client):
    gbp = price_in(shop, "GB", "GBP", erp="9.40")
    provisioned(shop.direct, shop.direct_user, gbp, 2, pc_client)
    generate_charges("2021-06", date(2021, 6, 30))
    charge = db.session.scalar(select(Charge))
    assert (charge.buyer_reseller_id, charge.customer_id) == (None, shop.direct.id)
    assert (charge.unit_price, charge.amount, charge.currency) == \
        (Decimal("9.40"), Decimal("18.80"), "GBP")
    assert charge.retail_unit_price is None


def test_seats_removed_three_days_after_they_were_added_are_credited(
        shop, clock, pc_client):
    eur = price_in(shop, "DE", "EUR", erp="10.08")
    sub = provisioned(shop.customer_a, shop.reseller_a_user, eur, 10, pc_client)
    clock.move_to(BOUGHT + timedelta(days=10))  # 28 June: 5 more seats
    provisioned(shop.customer_a, shop.reseller_a_user, eur, 5, pc_client, add_to=sub)
    clock.move_to(BOUGHT + timedelta(days=13))  # 1 July: 3 days later, the 5 go again
    sync_customer(shop.customer_a, pc_client)  # the hourly sync learns the refundable seats
    db.session.commit()
    services.change_quantity(sub, 10, shop.reseller_a_user, pc_client)
    generate_charges("2021-07", date(2021, 7, 31))
    # 10.08 / 30 × 17 days (1–17 July) = 5.712: −5.712 × 15, +5.712 × 10; the renewal on
    # 18 July starts again with the 10 seats left
    assert charges("2021-07") == [
        ("renew", 10, Decimal("10.08"), Decimal("100.80"), date(2021, 7, 18),
         date(2021, 8, 17)),
        ("removeQuantity", -15, Decimal("5.712"), Decimal("-85.68"), date(2021, 7, 1),
         date(2021, 7, 17)),
        ("removeQuantity", 10, Decimal("5.712"), Decimal("57.12"), date(2021, 7, 1),
         date(2021, 7, 17))]
