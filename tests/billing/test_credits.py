"""B3: credits for cancellations inside their window (S3, S6) and what the page promised.
Microsoft's rules and example:
https://learn.microsoft.com/en-us/partner-center/billing/common-billing-scenarios-onetime-recurring
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from billing.charges import generate_charges
from billing.models import Charge
from persistence import db
from subscriptions import services
from subscriptions.errors import SubscriptionRefused
from subscriptions.sync import sync_customer
from tests.billing.conftest import perpetual_price, price_in, provisioned

JULY_15 = datetime(2021, 7, 15, 9, tzinfo=UTC)


def credits() -> list[Charge]:
    return list(db.session.scalars(select(Charge).where(Charge.amount < 0)
                                   .order_by(Charge.id)))


def test_microsofts_cancellation_example_credits_the_29_unused_days(shop, clock, agent,
                                                                    pc_client):
    # "10 seats … on July 15, 2021, for EUR 10.08 each … canceled on July 17": cancelImmediate
    # for 29 unused days, 17 July – 14 August, of a 31-day cycle: 10.08 / 31 × 29 × 10 =
    # 94.2967… Microsoft prints −94.2 (its effective unit price cut to 9.42, times 10); cut
    # once at the end, as the page's seat-change lines are, the credit is −94.29.
    clock.move_to(JULY_15)
    sub = provisioned(shop.customer_a, agent, price_in(shop, "DE", "EUR", "10.08"), 10,
                      pc_client)
    clock.move_to(datetime(2021, 7, 17, 15, tzinfo=UTC))
    quote = services.cancel(sub, agent, pc_client)
    generate_charges("2021-07", date(2021, 7, 31))
    [credit] = credits()
    assert quote.amount == Decimal("94.29")
    assert (credit.charge_type, credit.quantity, credit.amount) == \
        ("cancelImmediate", -10, Decimal("-94.29"))
    assert (credit.period_start, credit.period_end) == (date(2021, 7, 17), date(2021, 8, 14))
    assert credit.source == f"cancel:sub:{sub.id}"


def test_a_cancellation_at_167_hours_59_minutes_is_credited(shop, clock, agent, pc_client):
    sub = provisioned(shop.customer_a, agent, shop.price, 2, pc_client)
    clock.move_to(datetime(2021, 6, 18, 9, tzinfo=UTC) + timedelta(hours=167, minutes=59))
    quote = services.cancel(sub, agent, pc_client)
    generate_charges("2021-06", date(2021, 6, 30))
    # 25 June – 17 July: 23 of 30 days of 2 × 12.50 = 19.1666… → 19.16
    assert [c.amount for c in credits()] == [-quote.amount] == [Decimal("-19.16")]


def test_at_168_hours_the_cancellation_is_refused_and_nothing_is_credited(
        shop, clock, agent, pc_client):
    sub = provisioned(shop.customer_a, agent, shop.price, 2, pc_client)
    clock.move_to(datetime(2021, 6, 18, 9, tzinfo=UTC) + timedelta(hours=168))
    with pytest.raises(SubscriptionRefused) as refused:
        services.cancel(sub, agent, pc_client)
    assert refused.value.code == "S3.cancellation_window_closed"
    generate_charges("2021-06", date(2021, 6, 30))
    assert credits() == []


def test_perpetual_software_cancelled_on_day_29_is_credited_in_full(shop, clock, agent,
                                                                   pc_client):
    price = perpetual_price()
    sub = provisioned(shop.customer_a, agent, price, 1, pc_client)
    clock.move_to(datetime(2021, 6, 18, 9, tzinfo=UTC) + timedelta(days=29))
    services.cancel(sub, agent, pc_client)
    generate_charges("2021-06", date(2021, 6, 30))
    generate_charges("2021-07", date(2021, 7, 31))
    rows = db.session.scalars(select(Charge).order_by(Charge.id)).all()
    assert [(c.charge_type, c.quantity, c.amount, c.billing_month) for c in rows] == [
        ("oneTime", 1, Decimal("950.00"), "2021-06"),
        ("cancelImmediate", -1, Decimal("-950.00"), "2021-07")]  # credited when cancelled


def _month_charges(month: str) -> list[tuple]:
    return [(c.charge_type, c.quantity, c.amount, c.period_start, c.period_end)
            for c in db.session.scalars(select(Charge).where(Charge.billing_month == month)
                                        .order_by(Charge.id))]


def test_b3_a_purchase_cancelled_the_same_day_is_charged_then_credited_to_zero(
        shop, clock, agent, pc_client):
    # 10 seats at EUR 10.08 bought 15 July 09:00, cancelled 15:00: inside 24 hours the whole
    # cycle (15 July – 14 August) comes back, so that cycle is charged and the net is nil.
    clock.move_to(JULY_15)
    sub = provisioned(shop.customer_a, agent, price_in(shop, "DE", "EUR", "10.08"), 10,
                      pc_client)
    clock.move_to(datetime(2021, 7, 15, 15, tzinfo=UTC))
    quote = services.cancel(sub, agent, pc_client)
    generate_charges("2021-07", date(2021, 7, 31))
    cycle = (date(2021, 7, 15), date(2021, 8, 14))
    assert quote.amount == Decimal("100.80")
    assert _month_charges("2021-07") == [
        ("new", 10, Decimal("100.80"), *cycle),
        ("cancelImmediate", -10, Decimal("-100.80"), *cycle)]


def test_b3_a_renewal_cancelled_on_its_first_day_is_charged_then_credited_to_zero(
        shop, clock, agent, pc_client):
    clock.move_to(JULY_15)
    sub = provisioned(shop.customer_a, agent, price_in(shop, "DE", "EUR", "10.08"), 10,
                      pc_client)
    generate_charges("2021-07", date(2021, 7, 31))
    clock.move_to(datetime(2021, 8, 15, 15, tzinfo=UTC))  # the term renewed today
    sync_customer(shop.customer_a, pc_client)  # the sync learns the new term (S3 restarts)
    db.session.commit()
    quote = services.cancel(sub, agent, pc_client)
    generate_charges("2021-08", date(2021, 8, 31))
    cycle = (date(2021, 8, 15), date(2021, 9, 14))
    assert quote.amount == Decimal("100.80")
    assert _month_charges("2021-08") == [
        ("renew", 10, Decimal("100.80"), *cycle),
        ("cancelImmediate", -10, Decimal("-100.80"), *cycle)]


def test_b3_perpetual_software_cancelled_on_its_purchase_day_nets_to_zero(
        shop, clock, agent, pc_client):
    sub = provisioned(shop.customer_a, agent, perpetual_price(), 1, pc_client)
    clock.move_to(datetime(2021, 6, 18, 17, tzinfo=UTC))
    services.cancel(sub, agent, pc_client)
    generate_charges("2021-06", date(2021, 6, 30))
    day = (date(2021, 6, 18), date(2021, 6, 18))
    assert _month_charges("2021-06") == [
        ("oneTime", 1, Decimal("950.00"), *day),
        ("cancelImmediate", -1, Decimal("-950.00"), *day)]
