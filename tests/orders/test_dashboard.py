"""The dashboards' figures from a known world: MRR per currency at cost and retail, the
30/60/90-day renewal windows, cancellation windows closing within 24 hours (frozen
time), the attention queue and revenue from the charge ledger."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import time_machine
from sqlalchemy import select

from accounts.models import Customer
from accounts.scoping import visible_customers
from billing import revenue
from billing.models import Charge
from orders import dashboard
from orders.models import OrderStatus
from persistence import db
from tests.conftest import make_price
from tests.orders.factories import annual_eur_price, another_order, bought

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def scope(user):
    return visible_customers(user).with_only_columns(Customer.id)


def test_mrr_is_summed_per_currency_with_annual_plans_divided_by_twelve(world):
    eur = annual_eur_price()
    bought(world.order_a, quantity=2)  # USD monthly, 12.50 each
    bought(another_order(world.customer_a, world.reseller_a_user, eur, 1),
           unit_price="110.00", quantity=3)  # EUR annual: cost plus a 10 % markup
    bought(another_order(world.customer_a, world.reseller_a_user, eur, 2),
           unit_price="110.00", status="cancelled")  # ended: not recurring any more
    bought(world.order_b, quantity=50)  # reseller B's: never in A's figures
    db.session.commit()

    mrr = dashboard.monthly_recurring(scope(world.reseller_a_user))

    assert [(r.currency, r.cost, r.retail) for r in mrr] == [
        ("EUR", Decimal("27.50"), Decimal("36.00")),  # 110 × 3 / 12 and 144 × 3 / 12
        ("USD", Decimal("25.00"), Decimal("25.00"))]
    assert mrr[0].margin == Decimal("8.50")
    assert dashboard.active_count(scope(world.reseller_a_user)) == 2


def test_mrr_rounds_once_per_currency_not_once_per_subscription(world):
    price = make_price(title="Small annual", product_id="CFQ7TTC0SMAL", cost="10.00",
                       erp="10.00", term="P1Y", cycle="annual")
    for n in range(3):  # 10 / 12 = 0.8333… each; three of them are 2.50, not 3 × 0.83
        bought(another_order(world.customer_a, world.reseller_a_user, price, n),
               unit_price="10.00")
    db.session.commit()

    [usd] = dashboard.monthly_recurring(scope(world.reseller_a_user))

    assert usd.cost == Decimal("2.50")


def test_renewals_fall_in_the_smallest_of_the_30_60_90_day_windows(world):
    for n, days in enumerate((10, 45, 80, 100, -1)):
        bought(another_order(world.customer_a, world.reseller_a_user, world.price, n),
               term_end=NOW + timedelta(days=days))
    db.session.commit()

    found = dashboard.renewals(scope(world.reseller_a_user), NOW)

    assert [r.within for r in found] == [30, 60, 90]
    assert {d: c.renews for d, c in dashboard.renewal_counts(found).items()} == {
        30: 1, 60: 2, 90: 3}
    assert dashboard.renewals(scope(world.reseller_b_user), NOW) == []


def test_r3_a_term_ending_with_autorenew_off_counts_as_ending_not_renewing(world):
    for n, (days, autorenew) in enumerate(((10, True), (45, False), (80, False))):
        bought(another_order(world.customer_a, world.reseller_a_user, world.price, n),
               term_end=NOW + timedelta(days=days), autorenew=autorenew)
    db.session.commit()

    counts = dashboard.renewal_counts(dashboard.renewals(scope(world.reseller_a_user), NOW))

    assert {d: (c.renews, c.ends) for d, c in counts.items()} == {
        30: (1, 0), 60: (1, 1), 90: (1, 2)}


def test_only_windows_closing_within_24_hours_are_listed(world):
    with time_machine.travel(NOW, tick=False):
        started = {"closes in 18 h": 150, "closes in 68 h": 100, "closed 2 h ago": 170}
        subs = {name: bought(another_order(world.customer_a, world.reseller_a_user,
                                           world.price, n),
                             term_start=NOW - timedelta(hours=hours))
                for n, (name, hours) in enumerate(started.items())}
        db.session.commit()

        closing = dashboard.cancel_windows_closing(scope(world.reseller_a_user), NOW)

    assert [(c.subscription.id, c.closes) for c in closing] == [
        (subs["closes in 18 h"].id, NOW + timedelta(hours=18))]
    assert dashboard.cancel_windows_closing(scope(world.reseller_b_user), NOW) == []


def test_a_plan_that_can_never_be_cancelled_has_no_closing_window(world):
    price = make_price(title="RedHat", product_id="DG7GMGF0FKZW", cancellable=False)
    bought(another_order(world.customer_a, world.reseller_a_user, price, 1),
           term_start=NOW - timedelta(hours=150))
    db.session.commit()

    assert dashboard.cancel_windows_closing(scope(world.reseller_a_user), NOW) == []


def test_the_attention_count_is_scoped_to_the_resellers_customers(world):
    world.order_a.record(OrderStatus.NEEDS_ATTENTION, "Refused.", "Retry it.")
    world.order_b.record(OrderStatus.PARTIALLY_PROVISIONED, "One line failed.")
    world.order_b.lines[0].status = "failed"  # a partly provisioned order needs a person
    db.session.commit()                         # while a line of it is failed

    assert dashboard.needing_attention(scope(world.reseller_a_user))[0] == 1
    count, head = dashboard.needing_attention(None)
    assert count == 2 and {o.id for o in head} == {world.order_a.id, world.order_b.id}


def test_orders_per_day_has_a_zero_for_every_quiet_day(world):
    world.order_a.created_at = NOW - timedelta(days=2)
    world.order_b.created_at = NOW - timedelta(days=2, hours=1)
    db.session.commit()

    series = dashboard.orders_per_day(date(2026, 11, 30), date(2026, 12, 4),
                                      lambda moment: moment.date())

    assert series == [(date(2026, 11, 30), 0), (date(2026, 12, 1), 0),
                      (date(2026, 12, 2), 2), (date(2026, 12, 3), 0), (date(2026, 12, 4), 0)]


def charge(world, source: str, amount: str, currency: str, day: date) -> Charge:
    return Charge(source=source, customer_id=world.customer_a.id, charge_type="cycle",
                  quantity=1, unit_price=Decimal(amount), effective_unit_price=Decimal(amount),
                  amount=Decimal(amount), currency=currency, period_start=day,
                  period_end=day + timedelta(days=29), billing_month=f"{day:%Y-%m}")


def test_revenue_sums_the_charge_ledger_per_currency_credits_subtracted(world):
    today = date(2026, 12, 4)
    db.session.add_all([charge(world, "a", "0.10", "USD", today),
                        charge(world, "b", "0.20", "USD", today),  # 0.30 exactly, no float
                        charge(world, "c", "-0.05", "USD", date(2026, 12, 1)),
                        charge(world, "d", "99.00", "EUR", date(2026, 12, 2)),
                        charge(world, "e", "7.00", "USD", date(2026, 11, 30))])
    db.session.commit()

    assert revenue.charged_on(today) == {"USD": Decimal("0.30")}
    assert revenue.charged_in_month(today) == {"EUR": Decimal("99.00"),
                                               "USD": Decimal("0.25")}
    assert db.session.scalar(select(Charge.id).where(Charge.source == "e"))


def test_r1_mrr_counts_a_renewed_subscription_at_its_renewed_terms_prices(world):
    """Bought at 12.50 (cost and retail), renewed at 14.00 cost and 16.00 retail: billing
    charges the renewal's prices from its day on, so the MRR does too."""
    sub = bought(world.order_a, quantity=2)
    sub.renewed_on = date(2026, 11, 1)
    sub.renewed_unit_price, sub.renewed_retail_unit_price = Decimal("14.00"), Decimal("16.00")
    db.session.commit()
    with time_machine.travel(NOW, tick=False):
        [usd] = dashboard.monthly_recurring(scope(world.reseller_a_user))
    assert (usd.cost, usd.retail) == (Decimal("28.00"), Decimal("32.00"))
