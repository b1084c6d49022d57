"""R6 with B2/B3: a co-termed subscription's shortened first term is its charge cycle.

The audit's scene: 10 licenses at 120.00 a year, bought 10 Jan 2026 to end with another
subscription on 1 Apr 2026 (its last day 31 Mar, the customTermEndDate: new commerce end
dates are inclusive, custom-term-end-dates). The first term (10 Jan – 31 Mar, 81 days) is charged
120.00 × 81 / 365 × 10 = 266.30; a cancellation credits part of that, never more, and
seats added on 1 Mar are prorated over the 31 days left of those 81, as Microsoft's pair
(the old seats refunded, the new count charged). The same purchase without a custom end
keeps its 12-month figures. Proration:
https://learn.microsoft.com/en-us/partner-center/billing/common-billing-scenarios-onetime-recurring
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from billing.charges import generate_charges
from billing.models import Charge, Invoice
from billing.reinvoice import statements
from billing.runs import run_billing
from catalog.models import ResellerMarkup
from persistence import db
from provisioning.jobs import provision_order
from subscriptions import services
from subscriptions.models import Subscription
from tests.billing.conftest import order, price_in, provisioned

BOUGHT = datetime(2026, 1, 10, 9, tzinfo=UTC)
CUSTOM_END = date(2026, 3, 31)  # the first term's last day, as Partner Center allows it


@pytest.fixture
def annual(shop):
    """120.00 a license and year (no markup: the buyer's price is the retail price)."""
    return price_in(shop, "US", "USD", erp="120.00", term="P1Y", cycle="annual")


def bought(shop, agent, clock, pc_client, price, *, coterm: bool) -> Subscription:
    """10 licenses bought on 10 Jan 2026, co-termed (R6) with a subscription ending on
    1 Apr 2026 (bought a year before that), or for the standard 12 months."""
    clock.move_to(datetime(2025, 4, 1, 9, tzinfo=UTC))
    provisioned(shop.customer_a, agent, price, 1, pc_client)
    clock.move_to(BOUGHT)
    placed = order(shop.customer_a, agent, price, 10)
    if coterm:
        placed.lines[0].custom_term_end = CUSTOM_END
        db.session.commit()
    assert provision_order(placed.id, pc_client) == "provisioned"
    return db.session.scalar(select(Subscription).where(
        Subscription.order_line_id == placed.lines[0].id))


def charges_of(sub: Subscription) -> list[tuple[str, Decimal]]:
    return [(c.charge_type, c.amount) for c in db.session.scalars(
        select(Charge).where(Charge.subscription_id == sub.id).order_by(Charge.id))]


def test_r6_b3_a_cancellation_on_day_3_credits_the_unused_days_of_the_shortened_term(
        shop, clock, agent, pc_client, annual):
    sub = bought(shop, agent, clock, pc_client, annual, coterm=True)
    clock.move_to(datetime(2026, 1, 13, 12, tzinfo=UTC))
    quote = services.cancellation_quote(sub)
    # 13 Jan – 31 Mar: 78 of the 81 days charged: 120.00 / 365 × 78 × 10 = 256.438…
    assert quote.amount == Decimal("256.43")  # the audit found 1,190.13
    assert (quote.credit.period_start, quote.credit.period_end) == (
        date(2026, 1, 13), date(2026, 3, 31))
    services.cancel(sub, agent, pc_client)
    generate_charges("2026-01", date(2026, 1, 31))
    assert charges_of(sub) == [("new", Decimal("266.30")),
                               ("cancelImmediate", Decimal("-256.43"))]


def test_r6_b3_a_same_day_cancellation_of_a_cotermed_purchase_nets_to_zero(
        shop, clock, agent, pc_client, annual):
    sub = bought(shop, agent, clock, pc_client, annual, coterm=True)
    clock.move_to(datetime(2026, 1, 10, 20, tzinfo=UTC))
    quote = services.cancel(sub, agent, pc_client)
    generate_charges("2026-01", date(2026, 1, 31))
    assert quote.amount == Decimal("266.30")  # the audit found 1,200.00
    assert charges_of(sub) == [("new", Decimal("266.30")),
                               ("cancelImmediate", Decimal("-266.30"))]


def test_r6_b2_seats_added_are_prorated_over_the_days_left_of_the_shortened_term(
        shop, clock, agent, pc_client, annual):
    sub = bought(shop, agent, clock, pc_client, annual, coterm=True)
    clock.move_to(datetime(2026, 3, 1, 9, tzinfo=UTC))
    provisioned(shop.customer_a, agent, annual, 5, pc_client, add_to=sub)
    generate_charges("2026-03", date(2026, 3, 31))
    rows = db.session.scalars(select(Charge).where(Charge.subscription_id == sub.id,
                                                   Charge.billing_month == "2026-03")).all()
    # 1 – 31 Mar, 31 of the 81 days: 120.00 / 365 × 31 = 10.1917… a license; the audit
    # found a net 517.81 (315 of 365 days)
    assert sorted((c.quantity, c.amount, c.period_end) for c in rows) == [
        (-10, Decimal("-101.91"), date(2026, 3, 31)),
        (15, Decimal("152.87"), date(2026, 3, 31))]
    assert sum(c.amount for c in rows) == Decimal("50.96")


def test_r6_b1_the_resellers_reinvoice_restates_the_shortened_term_not_a_full_year(
        shop, clock, agent, pc_client, annual):
    db.session.add(ResellerMarkup(reseller_id=shop.reseller_a.id, markup_percent=Decimal(5)))
    db.session.commit()
    sub = bought(shop, agent, clock, pc_client, annual, coterm=True)
    clock.move_to(datetime(2026, 2, 2, 8, tzinfo=UTC))
    run_billing("2026-01", date(2026, 2, 2))
    invoice = db.session.scalar(select(Invoice).where(
        Invoice.buyer_reseller_id == shop.reseller_a.id, Invoice.billing_month == "2026-01"))
    [statement] = statements(invoice)
    [line] = [ln for ln in statement.lines if ln.line.charge.subscription_id == sub.id]
    # retail 120.00 × 81 / 365 × 10 = 266.30, not 1,200.00 (the reseller pays 96.00 + 5 %)
    assert (line.unit_price, line.amount, line.retail_known) == (
        Decimal("120.00"), Decimal("266.30"), True)
    assert line.line.amount < line.amount


def test_r6_a_subscription_without_a_custom_end_keeps_its_twelve_month_figures(
        shop, clock, agent, pc_client, annual):
    sub = bought(shop, agent, clock, pc_client, annual, coterm=False)
    clock.move_to(datetime(2026, 1, 13, 12, tzinfo=UTC))
    # 13 Jan 2026 – 9 Jan 2027: 362 of 365 days
    assert services.cancellation_quote(sub).amount == Decimal("1190.13")
    clock.move_to(datetime(2026, 3, 1, 9, tzinfo=UTC))
    provisioned(shop.customer_a, agent, annual, 5, pc_client, add_to=sub)
    generate_charges("2026-01", date(2026, 1, 31))
    generate_charges("2026-03", date(2026, 3, 31))
    assert charges_of(sub) == [("new", Decimal("1200.00")),
                               ("addQuantity", Decimal("-1035.61")),
                               ("addQuantity", Decimal("1553.42"))]
