"""B6 with C7 and R1/R4: a renewed term is expected at the price-list row Microsoft renewed
it at: the row of the plan (product and SKU), term, billing and buyer's market the term
had, selling on its first day. Another market's row in the same currency, another SKU of
the same product, or the plan a later renewal moved the subscription to is not what
Microsoft billed for that term."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import ROUND_DOWN, Decimal

import pytest
import requests

from catalog.models import Price, Sku
from connectors.partner_center.sandbox.fixtures import GRAPH_HOST
from persistence import db
from subscriptions import renewals
from subscriptions.renewal_rules import NextTermChange
from tests.billing.conftest import price_in, provisioned
from tests.billing.test_reconciliation import run
from tests.billing.test_renewed_term_price import (
    BETWEEN_RENEWALS,
    SECOND_RENEWAL,
    bill,
    e3,
    first_term,
    renew,
)
from tests.catalog.test_price_effective_dates import successor

RATE = Decimal("1.086956522")  # the sandbox's PCToBCExchangeRate from EUR (0.92 per USD)


def billed(cost: str, quantity: int) -> str:
    """What Microsoft bills: ROUNDDOWN(cost x PCToBCExchangeRate, 2) x quantity."""
    unit = (Decimal(cost) * RATE).quantize(Decimal("0.01"), ROUND_DOWN)
    return str(unit * quantity)


def inject(**change) -> None:
    answer = requests.post(f"{GRAPH_HOST}/_sandbox/billing/discrepancy", json=change, timeout=5)
    assert answer.status_code == 201, answer.text


@pytest.fixture
def bought(shop, clock, pc_client, graph_client):
    """Ten seats of Business Standard (SKU 0001) for Alpha GmbH (Germany) on 18 June 2021,
    one month billed monthly, at cost 11.04 EUR."""
    eur = price_in(shop, "DE", "EUR", erp="13.80")
    return provisioned(shop.customer_a, shop.reseller_a_user, eur, 10, pc_client)


def a_row_like(price: Price, *, erp: str, market: str | None = None,
               sku: Sku | None = None) -> Price:
    """The same offer's row in another market or for another SKU, undated."""
    row = Price(sku=sku or price.sku, term_duration=price.term_duration,
                billing_cycle=price.billing_cycle, market=market or price.market,
                currency=price.currency, erp_price=Decimal(erp),
                unit_price=Decimal(erp) * Decimal("0.8"))
    db.session.add(row)
    db.session.commit()
    return row


def test_b6_c7_a_renewal_is_expected_at_the_buyers_markets_price_not_another_markets(
        shop, clock, pc_client, graph_client, bought):
    """Austria sells the same offer in euros for less (cost 9.60): Alpha GmbH, in Germany,
    is renewed in July at Germany's row of 1 July (cost 12.04), as Microsoft bills it."""
    a_row_like(bought.order_line.price, erp="12.00", market="AT")
    successor(bought.order_line.price, date(2021, 7, 1), "15.05")  # cost 12.04
    clock.move_to(datetime(2021, 8, 8, 12, tzinfo=UTC))
    inject(kind="amount", subtotal=billed("12.04", 10), month="2021-07",
           subscriptionId=bought.pc_subscription_id)
    done = run(pc_client, graph_client, "2021-07")
    assert (done.state, [i.note for i in done.items]) == ("matched", [])


def test_b6_a_renewal_is_expected_at_its_own_skus_price_not_another_sku_of_the_product(
        shop, clock, pc_client, graph_client, bought):
    """The product's other SKU sells for less in Germany (cost 8.00); the subscription, on
    SKU 0001, renews in July at SKU 0001's row of 1 July (cost 12.04)."""
    price = bought.order_line.price
    other = Sku(product=price.sku.product, pc_sku_id="0009", title="Business Standard (no Teams)")
    db.session.add(other)
    a_row_like(price, erp="10.00", sku=other)
    successor(price, date(2021, 7, 1), "15.05")
    clock.move_to(datetime(2021, 8, 8, 12, tzinfo=UTC))
    inject(kind="amount", subtotal=billed("12.04", 10), month="2021-07",
           subscriptionId=bought.pc_subscription_id)
    done = run(pc_client, graph_client, "2021-07")
    assert (done.state, [i.note for i in done.items]) == ("matched", [])


def test_b6_r4_a_term_renewed_before_a_plan_change_is_expected_at_the_plan_it_had(
        shop, clock, agent, pc_client, graph_client):
    """Business Standard, a year billed monthly (cost 28.80), renewed as it was on
    18 Jun 2022 and moved to Microsoft 365 E3 (cost 40.00) at the renewal of 18 Jun 2023.
    May 2023, reconciled after that renewal, lies in the term renewed in 2022: its cycle
    charge is expected at Business Standard's price, the plan that term had, and June's
    renewal at E3's, the plan the renewal applied."""
    monthly = price_in(shop, "DE", "EUR", erp="36.00", term="P1Y", cycle="monthly")
    upgrade = e3()
    sub = first_term(shop, agent, clock, pc_client, monthly, quantity=3)
    renew(clock, shop, pc_client)
    clock.move_to(datetime(2022, 7, 1, 9, tzinfo=UTC))
    bill("2022-06")
    (offer,) = renewals.plans_at_renewal(sub, pc_client)
    renewals.schedule(sub, NextTermChange(3, "P1Y", "monthly", offer.catalog_item_id), agent,
                      pc_client)
    renew(clock, shop, pc_client, SECOND_RENEWAL)
    assert sub.product_id == upgrade.sku.product_id
    clock.move_to(datetime(2023, 7, 8, 12, tzinfo=UTC))
    bill(*BETWEEN_RENEWALS, "2023-06")
    inject(kind="amount", subtotal=billed("28.80", 3), month="2023-05",
           chargeType="cycleCharge", subscriptionId=sub.pc_subscription_id)
    inject(kind="amount", subtotal=billed("40.00", 3), month="2023-06",
           chargeType="renew", subscriptionId=sub.pc_subscription_id)
    for month in ("2023-05", "2023-06"):
        done = run(pc_client, graph_client, month)
        assert (month, done.state, [i.note for i in done.items]) == (month, "matched", [])
