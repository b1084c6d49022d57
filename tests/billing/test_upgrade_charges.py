"""R4 with B1/B2/B5: licences upgraded now are billed as Microsoft bills a conversion.

The upgrade page promises the moved licences "in a subscription ending on the same date";
Partner Center makes the new subscription coterminous with its source
(partner-center-api-2.md §4 Transitions) and bills the move as a conversion (`convert`,
§5): the moved seats credited on the source from the upgrade day to the end of its running
charge cycle, the same seats charged on the new subscription for those days only, and its
later cycles and renewals on the source's dates. Amounts: unit price ÷ cycle days × the
days left, cut once per line (persistence.money)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import select

from billing.models import Charge, Invoice
from billing.runs import run_billing
from persistence import db
from subscriptions import services, upgrades
from tests.billing.conftest import price_in
from tests.conftest import make_price
from tests.subscriptions.conftest import buy, tenant  # noqa: F401 - fixtures

BOUGHT = datetime(2025, 3, 3, 9, tzinfo=UTC)  # a monthly cycle 3 Mar – 2 Apr (31 days)
UPGRADED = datetime(2025, 3, 10, 9, tzinfo=UTC)  # 24 days of it left, 10 Mar included


@pytest.fixture
def clock():
    with time_machine.travel(BOUGHT, tick=False) as traveller:
        yield traveller


def _e3(term="P1M", cycle="monthly"):
    price = make_price(title="Microsoft 365 E3", product_id="CFQ7TTC0LFLZ",
                       family="microsoft365", cost="30.00", erp="36.00", term=term,
                       cycle=cycle)
    db.session.commit()
    return price


def _upgrade(clock, sub, quantity, world, pc_client, at=UPGRADED):
    clock.move_to(at)
    (offer,) = upgrades.eligible(sub, pc_client)
    return upgrades.upgrade_now(sub, offer.catalog_item_id, quantity, world.reseller_a_user,
                                pc_client)


def _charges(sub) -> list[tuple]:
    return [(c.charge_type, c.quantity, c.amount, c.period_start, c.period_end)
            for c in db.session.scalars(select(Charge).where(
                Charge.subscription_id == sub.id).order_by(Charge.period_start, Charge.id))]


def test_r4_moved_licences_are_credited_on_the_source_and_charged_to_its_cycle_end(
        clock, buy, world, pc_client):  # noqa: F811
    _e3()
    sub = buy(quantity=3)  # Business Standard at 12.50
    target = _upgrade(clock, sub, 2, world, pc_client)
    run_billing("2025-03", date(2025, 4, 1))
    run_billing("2025-04", date(2025, 4, 20))
    mar_3, apr_2, apr_3, may_2 = (date(2025, 3, 3), date(2025, 4, 2), date(2025, 4, 3),
                                  date(2025, 5, 2))
    mar_10 = UPGRADED.date()
    assert _charges(sub) == [
        ("new", 3, Decimal("37.50"), mar_3, apr_2),  # the cycle began with 3 licences
        # 12.50 / 31 × 24 = 9.677…: 3 refunded, the 1 kept charged again (B2's pair)
        ("convert", -3, Decimal("-29.03"), mar_10, apr_2),
        ("convert", 1, Decimal("9.67"), mar_10, apr_2),
        ("renew", 1, Decimal("12.50"), apr_3, may_2)]
    assert target.term_end == sub.term_end  # the page's promise
    assert _charges(target) == [
        ("convert", 2, Decimal("55.74"), mar_10, apr_2),  # 36.00 / 31 × 24 × 2
        ("renew", 2, Decimal("72.00"), apr_3, may_2)]  # on the source's day, not 10 Apr


def test_r4_upgrading_every_licence_ends_the_source_s_charges(clock, buy, world, pc_client):  # noqa: F811
    _e3()
    sub = buy(quantity=3)
    target = _upgrade(clock, sub, 3, world, pc_client)
    assert sub.quantity == 0
    run_billing("2025-03", date(2025, 4, 1))
    run_billing("2025-04", date(2025, 4, 20))
    mar_10 = UPGRADED.date()
    assert _charges(sub) == [
        ("new", 3, Decimal("37.50"), date(2025, 3, 3), date(2025, 4, 2)),
        ("convert", -3, Decimal("-29.03"), mar_10, date(2025, 4, 2))]  # nothing after
    assert _charges(target) == [
        ("convert", 3, Decimal("83.61"), mar_10, date(2025, 4, 2)),  # 36 / 31 × 24 × 3
        ("renew", 3, Decimal("108.00"), date(2025, 4, 3), date(2025, 5, 2))]


def test_r4_an_annual_term_billed_monthly_keeps_the_source_s_cycles_and_term(
        clock, buy, world, pc_client):  # noqa: F811
    _e3("P1Y", "monthly")
    yearly = price_in(world, "US", "USD", "12.50", term="P1Y", cycle="monthly")
    sub = buy(quantity=3, term="P1Y", cycle="monthly", price=yearly)
    target = _upgrade(clock, sub, 2, world, pc_client)
    run_billing("2025-03", date(2025, 4, 1))
    run_billing("2025-04", date(2025, 4, 20))
    assert [(kind, seats, start, end) for kind, seats, _, start, end in _charges(target)] == [
        ("convert", 2, UPGRADED.date(), date(2025, 4, 2)),
        # the source's second monthly cycle of its year, not a renewal of the upgrade
        ("cycleCharge", 2, date(2025, 4, 3), date(2025, 5, 2))]


def test_r4_the_source_s_credit_corrects_the_invoice_that_charged_it_b4(
        clock, buy, world, pc_client):  # noqa: F811
    _e3("P1Y", "annual")
    yearly = price_in(world, "US", "USD", "150.00", term="P1Y", cycle="annual")
    sub = buy(quantity=3, term="P1Y", cycle="annual", price=yearly)
    run_billing("2025-03", date(2025, 4, 1))  # the year's 3 licences invoiced
    (march,) = db.session.scalars(select(Invoice).where(Invoice.kind == "invoice")).all()
    target = _upgrade(clock, sub, 2, world, pc_client, at=datetime(2025, 4, 10, 9, tzinfo=UTC))
    run_billing("2025-04", date(2025, 5, 1))
    (note,) = db.session.scalars(select(Invoice).where(Invoice.kind == "credit_note")).all()
    assert note.corrects_invoice_id == march.id
    assert {ln.charge.subscription_id for ln in note.lines} == {sub.id}
    # 150.00 / 365 × 327 days left (10 Apr 2025 – 2 Mar 2026): 3 refunded, 1 charged
    assert [ln.amount for ln in note.lines] == [Decimal("-403.15"), Decimal("134.38")]
    (april,) = db.session.scalars(select(Invoice).where(
        Invoice.kind == "invoice", Invoice.id != march.id)).all()
    assert [(ln.charge.charge_type, ln.quantity) for ln in april.lines
            if ln.subscription_id == target.id] == [("convert", 2)]


def test_r4_cancelling_the_new_subscription_at_once_credits_what_its_conversion_charged_s3(
        clock, buy, world, pc_client):  # noqa: F811
    _e3()
    sub = buy(quantity=3)
    target = _upgrade(clock, sub, 2, world, pc_client)
    world.reseller_a_user.admin_agent = True
    db.session.commit()
    quote = services.cancellation_quote(target)  # within 24 hours: all it was charged
    assert (quote.amount, quote.credit.period_start) == (Decimal("55.74"), UPGRADED.date())
    services.cancel(target, world.reseller_a_user, pc_client)
    run_billing("2025-03", date(2025, 4, 1))
    assert sum(amount for _, _, amount, _, _ in _charges(target)) == 0
