"""B2 for a subscription imported from Partner Center (no order line here): seats changed
before a renewal are charged at the term, billing and price in force on the change's day,
to the end of that day's billing period, not at the renewed term's.

The audit's scene: Microsoft 365 E3 bought in Partner Center on 23 Nov 2026, 10 licences of
a one-month term billed monthly (43.20 a licence and month), imported. On 7 Dec 2026 the
admin adds one licence; the renewal on 23 Dec 2026 applies a scheduled 12 licences of a
one-year term billed annually (432.00 a licence and year). December's run, after the
renewal, charged the change at 432.00 a year for 7 Dec 2026 – 22 Nov 2027 (net +415.43);
the month in force on 7 Dec charges one licence for 16 of its 30 days.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from billing.charges import generate_charges
from billing.models import Charge
from catalog.models import CatalogSettings, Price, Product, Sku
from connectors.partner_center.sandbox import bulk, seed
from persistence import db
from persistence.money import charge_amount
from subscriptions import renewals, services
from subscriptions.models import Subscription
from subscriptions.renewal_rules import NextTermChange
from subscriptions.sync import sync_customer
from tests.conftest import move_to

E3 = "CFQ7TTC0LFLZ:0001:CFQ7TTC0K8QN"
BOUGHT = datetime(2026, 11, 23, 8, tzinfo=UTC)
CHANGED = datetime(2026, 12, 7, 10, tzinfo=UTC)
RENEWED = datetime(2026, 12, 23, 12, tzinfo=UTC)  # past the term's end, then the sync


@pytest.fixture
def e3_prices(shop) -> dict[tuple[str, str], Price]:
    """Microsoft 365 E3 in Germany: 43.20 a licence and month (one-month term), 432.00 a
    licence and year (one-year term billed annually, C1's two annual switches on); no
    markup, so the buyer's price."""
    settings = CatalogSettings.current()
    settings.annual_billing_cycle_enabled = settings.annual_provisioning_enabled = True
    product = Product(pc_product_id="CFQ7TTC0LFLZ", title="Microsoft 365 E3",
                      family="microsoft365")
    sku = Sku(product=product, pc_sku_id="0001", title="Microsoft 365 E3",
              availability_id="CFQ7TTC0K8QN")
    prices = {(term, cycle): Price(sku=sku, term_duration=term, billing_cycle=cycle,
                                   market="DE", currency="EUR", erp_price=Decimal(erp),
                                   unit_price=Decimal(erp) * Decimal("0.8"))
              for term, cycle, erp in (("P1M", "monthly", "43.20"),
                                       ("P1Y", "annual", "432.00"))}
    db.session.add_all([product, sku, *prices.values()])
    move_to(shop.customer_a, "DE")  # C7: the market of these prices
    db.session.commit()
    return prices


def imported(shop, pc_sandbox, pc_client, clock, quantity: int = 10) -> Subscription:
    """Bought in Partner Center (one month, billed monthly) and adopted by the sync."""
    clock.move_to(BOUGHT)
    tenant = str(uuid.uuid4())
    with pc_sandbox.lock:
        bulk.add_customer(pc_sandbox, tenant, "alphagmbh.onmicrosoft.com", "Alpha GmbH",
                          reseller_tenant=seed.RESELLER_TENANT_ID, city="Berlin",
                          country="DE", postal_code="10117")
        bulk.add_subscription(pc_sandbox, tenant, bulk.Plan(E3, "P1M", "monthly", 10000),
                              quantity, seed.RESELLER_MPN_ID, BOUGHT)
    shop.customer_a.tenant_id = tenant
    db.session.commit()
    sync_customer(shop.customer_a, pc_client)
    db.session.commit()
    sub = db.session.scalar(select(Subscription).where(
        Subscription.customer_id == shop.customer_a.id, Subscription.title == "Microsoft 365 E3"))
    assert sub.order_line_id is None and (sub.term_duration, sub.billing_cycle) == (
        "P1M", "monthly")
    return sub


def renewed_after_a_change(shop, pc_sandbox, pc_client, clock, agent) -> Subscription:
    """The audit's scene up to the renewal: +1 licence on 7 Dec, 12 licences of a year
    billed annually scheduled after it, renewed on 23 Dec and synced."""
    sub = imported(shop, pc_sandbox, pc_client, clock)
    clock.move_to(CHANGED)
    services.change_quantity(sub, 11, agent, pc_client)
    clock.move_to(datetime(2026, 12, 10, 9, tzinfo=UTC))
    renewals.schedule(sub, NextTermChange(12, "P1Y", "annual"), agent, pc_client)
    clock.move_to(RENEWED)
    sync_customer(shop.customer_a, pc_client)
    db.session.commit()
    assert (sub.renewed_on, sub.term_duration, sub.billing_cycle, sub.quantity) == (
        date(2026, 12, 23), "P1Y", "annual", 12)
    return sub


def seat_charges(sub: Subscription) -> list[tuple]:
    return [(c.quantity, c.effective_unit_price, c.amount, c.period_start, c.period_end)
            for c in db.session.scalars(select(Charge).where(
                Charge.subscription_id == sub.id, Charge.source.like("add:%"))
                .order_by(Charge.id))]


def test_b2_an_imported_seat_change_before_the_renewal_is_charged_the_month_in_force(
        shop, e3_prices, pc_sandbox, pc_client, clock, agent):
    sub = renewed_after_a_change(shop, pc_sandbox, pc_client, clock, agent)
    clock.move_to(datetime(2027, 1, 1, 9, tzinfo=UTC))
    generate_charges("2026-12", date(2027, 1, 1))
    rest = Decimal("43.20") * 16 / 30  # 7 – 22 Dec of the month 23 Nov – 22 Dec
    period = (date(2026, 12, 7), date(2026, 12, 22))
    assert seat_charges(sub) == [
        (-10, rest, -charge_amount(rest, 10, "EUR"), *period),
        (11, rest, charge_amount(rest, 11, "EUR"), *period)]
    assert sum(c[2] for c in seat_charges(sub)) == Decimal("23.04")  # audit: +415.43


def test_b2_the_months_before_an_imported_subscriptions_renewal_keep_its_monthly_price(
        shop, e3_prices, pc_sandbox, pc_client, clock, agent):
    """Billed only after the renewal (a run caught up late): November's and December's
    months are charged at 43.20 a month, the renewed year from 23 Dec at 432.00."""
    sub = renewed_after_a_change(shop, pc_sandbox, pc_client, clock, agent)
    clock.move_to(datetime(2027, 1, 1, 9, tzinfo=UTC))
    generate_charges("2026-11", date(2027, 1, 1))
    generate_charges("2026-12", date(2027, 1, 1))
    cycles = [(c.charge_type, c.period_start, c.period_end, c.quantity, c.unit_price)
              for c in db.session.scalars(select(Charge).where(
                  Charge.subscription_id == sub.id, Charge.source.like("sub:%"))
                  .order_by(Charge.period_start))]
    assert cycles == [
        ("new", date(2026, 11, 23), date(2026, 12, 22), 10, Decimal("43.20")),
        ("renew", date(2026, 12, 23), date(2027, 12, 22), 12, Decimal("432.00"))]
