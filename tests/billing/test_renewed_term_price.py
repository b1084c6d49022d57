"""R1/R4 with B1: from a renewal on, a subscription is billed at its renewed term's price.

The audit's scene: 10 licenses of a one-year term billed monthly at 36.00, bought on
18 Jun 2021, scheduled to renew billed annually (420.00 a license and year in the catalog).
The first term keeps its order line's 36.00 a month; from the renewal on 18 Jun 2022 the
subscription is charged 4,200.00 once a year, the price the renewal reminder promised (the
audit found 360.00 a year: the monthly price charged per annual cycle). A plan changed at
renewal is charged the new plan's price; a cancellation inside the renewed term's window
refunds what that term charged.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from agreements import mca
from billing.charges import generate_charges
from billing.models import Charge
from catalog.models import CatalogSettings, Price, Product, Sku
from connectors.partner_center.sandbox import seed
from notifications.models import Notification
from orders.models import Order
from persistence import db
from provisioning.jobs import provision_order
from subscriptions import reminders, renewals, services
from subscriptions.models import Subscription
from subscriptions.renewal_rules import NextTermChange
from subscriptions.sync import sync_customer
from tests.billing.conftest import price_in, provisioned
from tests.catalog.test_price_effective_dates import successor
from tests.conftest import login, post_form

BOUGHT = datetime(2021, 6, 18, 9, tzinfo=UTC)
RENEWED = datetime(2022, 6, 18, 12, tzinfo=UTC)  # the day after the term's end, synced
FIRST_TERM_MONTHS = (*[f"2021-{m:02d}" for m in range(6, 13)],
                     *[f"2022-{m:02d}" for m in range(1, 6)])


@pytest.fixture
def monthly(shop):
    """One year billed monthly: 36.00 a license and month (no markup: the buyer's price)."""
    return price_in(shop, "DE", "EUR", erp="36.00", term="P1Y", cycle="monthly")


@pytest.fixture
def yearly(shop):
    """The same plan and term billed annually: 420.00 a license and year, with C1's two
    annual switches on (a next term billed annually is sold only then)."""
    settings = CatalogSettings.current()
    settings.annual_billing_cycle_enabled = settings.annual_provisioning_enabled = True
    return price_in(shop, "DE", "EUR", erp="420.00", term="P1Y", cycle="annual")


def e3(market: str = "DE") -> Price:
    """Microsoft 365 E3 (the sandbox lists it as Business Standard's upgrade): 50.00 a
    license and month for a year billed monthly."""
    product = Product(pc_product_id="CFQ7TTC0LFLZ", title="Microsoft 365 E3",
                      family="microsoft365")
    sku = Sku(product=product, pc_sku_id="0001", title="Microsoft 365 E3",
              availability_id="CFQ7TTC0AAAA")
    price = Price(sku=sku, term_duration="P1Y", billing_cycle="monthly", market=market,
                  currency="EUR", erp_price=Decimal("50.00"), unit_price=Decimal("40.00"))
    db.session.add_all([product, sku, price])
    db.session.commit()
    return price


def bill(*months: str) -> None:
    """Each month's run, on the first day of the next."""
    for month in months:
        year, number = map(int, month.split("-"))
        generate_charges(month, date(year + number // 12, number % 12 + 1, 1))


def charges_of(sub: Subscription, since: date = date(2000, 1, 1)) -> list[tuple]:
    return [(c.charge_type, c.period_start, c.unit_price, c.amount) for c in db.session.scalars(
        select(Charge).where(Charge.subscription_id == sub.id, Charge.period_start >= since)
        .order_by(Charge.period_start, Charge.id))]


def first_term(shop, agent, clock, pc_client, price, quantity=10, *,
               billed: bool = True) -> Subscription:
    """Bought on 18 Jun 2021 and (if `billed`) billed month by month until the renewal's
    month."""
    clock.move_to(BOUGHT)
    sub = provisioned(shop.customer_a, agent, price, quantity, pc_client)
    clock.move_to(datetime(2022, 6, 1, 9, tzinfo=UTC))
    if billed:
        bill(*FIRST_TERM_MONTHS)
    return sub


def renew(clock, shop, pc_client, at: datetime = RENEWED) -> None:
    """Past the term's end (Partner Center renews it), then the hourly sync."""
    clock.move_to(at)
    sync_customer(shop.customer_a, pc_client)
    db.session.commit()


def test_r1_b1_monthly_to_annual_at_renewal_is_charged_the_annual_price_once_a_year(
        shop, clock, agent, pc_client, monthly, yearly):
    sub = first_term(shop, agent, clock, pc_client, monthly)
    renewals.schedule(sub, NextTermChange(10, "P1Y", "annual"), agent, pc_client)
    renew(clock, shop, pc_client)
    assert sub.billing_cycle == "annual"
    clock.move_to(datetime(2023, 7, 1, 9, tzinfo=UTC))
    bill(*[f"2022-{m:02d}" for m in range(6, 13)], *[f"2023-{m:02d}" for m in range(1, 7)])
    assert charges_of(sub, date(2022, 6, 1)) == [
        ("renew", date(2022, 6, 18), Decimal("420.00"), Decimal("4200.00")),  # audit: 360.00
        ("renew", date(2023, 6, 18), Decimal("420.00"), Decimal("4200.00"))]


def test_r1_b1_the_first_terms_charges_keep_the_order_lines_monthly_price(
        shop, clock, agent, pc_client, monthly, yearly):
    """Billed only after the renewal switched the mirror to annual billing (runs caught up
    late): the first term is still charged monthly at its order line's price."""
    sub = first_term(shop, agent, clock, pc_client, monthly, billed=False)
    renewals.schedule(sub, NextTermChange(10, "P1Y", "annual"), agent, pc_client)
    renew(clock, shop, pc_client)
    clock.move_to(datetime(2022, 7, 1, 9, tzinfo=UTC))
    bill(*FIRST_TERM_MONTHS, "2022-06")
    first = [c for c in charges_of(sub) if c[1] < date(2022, 6, 18)]
    assert [c[0] for c in first] == ["new"] + ["cycleCharge"] * 11
    assert {(c[2], c[3]) for c in first} == {(Decimal("36.00"), Decimal("360.00"))}
    assert first[-1][1] == date(2022, 5, 18)


def test_r2_b1_the_reminders_promised_price_is_the_renewed_terms_first_charge(
        shop, clock, agent, pc_client, monthly, yearly):
    sub = first_term(shop, agent, clock, pc_client, monthly)
    renewals.schedule(sub, NextTermChange(10, "P1Y", "annual"), agent, pc_client)
    clock.move_to(datetime(2022, 6, 11, 9, tzinfo=UTC))  # 7 days before the term's end
    assert reminders.run_daily() == 1
    promised = db.session.scalars(select(Notification).order_by(Notification.id.desc())
                                  ).first().body
    renew(clock, shop, pc_client)
    bill("2022-06")
    [(kind, _, _, amount)] = charges_of(sub, date(2022, 6, 1))
    assert kind == "renew" and amount == Decimal("4200.00")
    assert "4.200,00\xa0€ per billing cycle" in promised  # German locale, as the reminder


def test_r4_b1_a_plan_changed_at_renewal_is_charged_the_new_plans_price(
        shop, clock, agent, pc_client, monthly):
    upgrade = e3()
    sub = first_term(shop, agent, clock, pc_client, monthly, quantity=3)
    (offer,) = renewals.plans_at_renewal(sub, pc_client)
    renewals.schedule(sub, NextTermChange(3, "P1Y", "monthly", offer.catalog_item_id), agent,
                      pc_client)
    renew(clock, shop, pc_client)
    assert sub.product_id == upgrade.sku.product_id
    clock.move_to(datetime(2022, 8, 1, 9, tzinfo=UTC))
    bill("2022-06", "2022-07")
    assert charges_of(sub, date(2022, 6, 1)) == [
        ("renew", date(2022, 6, 18), Decimal("50.00"), Decimal("150.00")),
        ("cycleCharge", date(2022, 7, 18), Decimal("50.00"), Decimal("150.00"))]


def test_r1_b3_a_cancellation_in_the_renewed_terms_window_refunds_the_renewed_price(
        shop, clock, agent, pc_client, monthly, yearly):
    sub = first_term(shop, agent, clock, pc_client, monthly)
    renewals.schedule(sub, NextTermChange(10, "P1Y", "annual"), agent, pc_client)
    renew(clock, shop, pc_client, datetime(2022, 6, 18, 10, tzinfo=UTC))
    clock.move_to(datetime(2022, 6, 18, 20, tzinfo=UTC))  # within 24 hours: in full
    quote = services.cancellation_quote(sub)
    assert (quote.amount, quote.credit.unit_price) == (Decimal("4200.00"), Decimal("420.00"))
    assert (quote.credit.period_start, quote.credit.period_end) == (
        date(2022, 6, 18), date(2023, 6, 17))
    services.cancel(sub, agent, pc_client)
    clock.move_to(datetime(2022, 7, 1, 9, tzinfo=UTC))
    bill("2022-06")
    assert [(c[0], c[3]) for c in charges_of(sub, date(2022, 6, 1))] == [
        ("renew", Decimal("4200.00")), ("cancelImmediate", Decimal("-4200.00"))]


# -- price-list effective dates: the next term is priced at the row of its first day -------

RENEWAL_DAY = date(2022, 6, 18)


def test_r2_b1_a_reminder_quotes_a_price_rise_that_starts_before_the_renewal(
        shop, clock, agent, pc_client, monthly):
    """Microsoft published next month's list (from 1 Jun 2022, 40.00): the reminder sent in
    May promises the renewed term at 40.00, the row that sells on the renewal date."""
    sub = first_term(shop, agent, clock, pc_client, monthly, billed=False)
    successor(monthly, date(2022, 6, 1), "40.00")
    clock.move_to(datetime(2022, 5, 19, 9, tzinfo=UTC))  # 30 days before the term's end
    _, text = reminders.message(sub)
    assert renewals.quote_next_term(sub).unit_price == Decimal("40.00")
    assert "400,00\xa0€ per billing cycle" in text and "360,00" not in text


def test_r2_b1_a_reminder_quotes_todays_price_when_the_rise_starts_after_the_renewal(
        shop, clock, agent, pc_client, monthly):
    sub = first_term(shop, agent, clock, pc_client, monthly, billed=False)
    successor(monthly, RENEWAL_DAY + timedelta(days=1), "40.00")
    clock.move_to(datetime(2022, 6, 11, 9, tzinfo=UTC))
    _, text = reminders.message(sub)
    assert "360,00\xa0€ per billing cycle" in text and "400,00" not in text


def test_r1_b1_a_late_sync_records_the_row_of_the_renewed_terms_first_day(
        shop, clock, agent, pc_client, monthly):
    """The sync sees the renewal four days late, after a newer row started on 20 Jun: the
    renewed term is billed at the row that sold on 18 Jun, as its reminder promised."""
    sub = first_term(shop, agent, clock, pc_client, monthly)
    successor(monthly, RENEWAL_DAY + timedelta(days=2), "40.00")
    renew(clock, shop, pc_client, datetime(2022, 6, 22, 12, tzinfo=UTC))
    assert (sub.renewed_on, sub.renewed_unit_price) == (RENEWAL_DAY, Decimal("36.00"))
    clock.move_to(datetime(2022, 7, 1, 9, tzinfo=UTC))
    bill("2022-06")
    assert charges_of(sub, date(2022, 6, 1)) == [
        ("renew", RENEWAL_DAY, Decimal("36.00"), Decimal("360.00"))]


# -- every renewed term keeps its own price ---------------------------------------------------

SECOND_RENEWAL = datetime(2023, 6, 18, 12, tzinfo=UTC)
BETWEEN_RENEWALS = tuple(f"2022-{m:02d}" for m in range(7, 13)) + tuple(
    f"2023-{m:02d}" for m in range(1, 6))


def renewed_twice(shop, clock, agent, pc_client, monthly) -> Subscription:
    """Bought at 36.00 a month, renewed on 18 Jun 2022 at 40.00 (billed that month) and on
    18 Jun 2023 at 45.00: Microsoft's lists from 1 Jun of each year."""
    sub = first_term(shop, agent, clock, pc_client, monthly)
    forty = successor(monthly, date(2022, 6, 1), "40.00")
    renew(clock, shop, pc_client)
    clock.move_to(datetime(2022, 7, 1, 9, tzinfo=UTC))
    bill("2022-06")
    successor(forty, date(2023, 6, 1), "45.00")
    renew(clock, shop, pc_client, SECOND_RENEWAL)
    assert (sub.renewed_on, sub.renewed_unit_price) == (date(2023, 6, 18), Decimal("45.00"))
    return sub


def test_r1_b1_months_billed_after_a_later_renewal_are_charged_their_own_terms_price(
        shop, clock, agent, pc_client, monthly):
    """The runs from July 2022 on caught up only after the second renewal: each month of the
    first renewed term is charged its 40.00, not the order line's 36.00 (the latest renewal
    alone was kept) nor the second renewal's 45.00."""
    sub = renewed_twice(shop, clock, agent, pc_client, monthly)
    clock.move_to(datetime(2023, 7, 1, 9, tzinfo=UTC))
    bill(*BETWEEN_RENEWALS, "2023-06")
    charged = [(c[1], c[2], c[3]) for c in charges_of(sub, date(2022, 6, 1))]
    assert charged == [
        (date(2022, 6, 18), Decimal("40.00"), Decimal("400.00")),
        *[(date(2022 + (5 + m) // 12, (5 + m) % 12 + 1, 18), Decimal("40.00"),
           Decimal("400.00")) for m in range(1, 12)],
        (date(2023, 6, 18), Decimal("45.00"), Decimal("450.00"))]
    assert [t.began_on for t in sub.renewed_terms] == [date(2022, 6, 18), date(2023, 6, 18)]


def test_r1_b2_a_seat_change_in_an_earlier_renewed_term_is_charged_that_terms_price(
        shop, clock, agent, pc_client, monthly):
    """10 → 12 licences on 1 May 2023, in the first renewed term (cycles 18th to 17th), and
    charged only after the second renewal: Microsoft's pair (10 refunded, 12 charged) for the
    cycle's last 17 of 30 days at that term's 40.00 (36.00 before: the order line's)."""
    sub = first_term(shop, agent, clock, pc_client, monthly)
    forty = successor(monthly, date(2022, 6, 1), "40.00")
    renew(clock, shop, pc_client)
    clock.move_to(datetime(2023, 5, 1, 9, tzinfo=UTC))
    services.change_quantity(sub, 12, agent, pc_client)
    successor(forty, date(2023, 6, 1), "45.00")
    renew(clock, shop, pc_client, SECOND_RENEWAL)
    bill("2023-05")
    added = [c for c in charges_of(sub, date(2023, 5, 1)) if c[0] == "addQuantity"]
    assert [(c[2], c[3]) for c in added] == [(Decimal("40.00"), Decimal("-226.66")),
                                             (Decimal("40.00"), Decimal("272.00"))]


# -- what the pages say a renewed term costs --------------------------------------------------

def test_r1_b1_after_a_renewal_the_page_and_extra_licences_say_the_renewed_terms_price(
        client, shop, clock, agent, pc_client, monthly):
    """Bought at 36.00, renewed on 18 Jun 2022 at 40.00, and today's list (from 25 Jun)
    sells 44.00: the subscription page says 40.00 a month, and licences added in July are
    reviewed, ordered and charged at 40.00 (the page and the cart said 36.00, the order
    line's, while billing charged 40.00)."""
    sub = first_term(shop, agent, clock, pc_client, monthly, billed=False)
    forty = successor(monthly, date(2022, 6, 1), "40.00")
    renew(clock, shop, pc_client)
    assert sub.renewed_unit_price == Decimal("40.00")
    todays = successor(forty, date(2022, 6, 25), "44.00")
    clock.move_to(datetime(2022, 7, 4, 9, tzinfo=UTC))
    assert services.term_unit_price_now(sub) == Decimal("40.00")
    mca.record_acceptance(customer=sub.customer, user=agent, signer=mca.Signer(
        "Ada", "Lovelace", "ada@example.com"), template_id=seed.MCA_TEMPLATE_ID,
        version=seed.MCA_TEMPLATE_ID, date_agreed=date(2022, 7, 4))  # K5 for this checkout
    db.session.commit()

    login(client, agent)
    page = client.get(f"/subscriptions/{sub.id}").get_data(as_text=True)
    [shown] = re.findall(r'<dd id="subscription-price">([^<]+)<', page)
    assert shown.strip() == "40,00\xa0€"
    post_form(client, "/cart/add", {"customer": sub.customer_id, "price_id": todays.id,
                                    "quantity": "2"}, token_url=f"/cart?customer={sub.customer_id}")
    cart = client.get(f"/cart?customer={sub.customer_id}").get_data(as_text=True)
    [unit] = re.findall(r'<td class="num"[^>]*>([^<]+) <small class="muted">per license', cart)
    assert unit == "40,00\xa0€" and "at its term price (C4)" in cart
    [quote] = re.findall(r'name="quote" value="([^"]+)"', cart)
    placed = post_form(client, f"/cart/{sub.customer_id}/place",
                       {"idempotency_key": "r1-extra", "quote": html.unescape(quote)},
                       token_url=f"/cart?customer={sub.customer_id}")
    assert placed.status_code == 302, placed.get_data(as_text=True)
    order = db.session.scalar(select(Order).order_by(Order.id.desc()))
    assert [line.unit_price for line in order.lines] == [Decimal("40.00")]
    assert provision_order(order.id, pc_client) == "provisioned"
    clock.move_to(datetime(2022, 8, 1, 9, tzinfo=UTC))
    bill("2022-07")
    added = [c for c in charges_of(sub, date(2022, 7, 1)) if c[0] == "addQuantity"]
    assert added and {c[2] for c in added} == {Decimal("40.00")}, added
