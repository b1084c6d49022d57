"""Subscription services against the Partner Center sandbox, with frozen time (S1–S6)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import select

from catalog.models import Price
from catalog.sync import sync_catalog
from orders.cart import add_licenses
from orders.models import CartLine
from persistence import db
from subscriptions import services
from subscriptions.errors import SubscriptionRefused
from subscriptions.models import SubscriptionEvent
from tests.subscriptions.conftest import RED_HAT, SQL_SERVER, WINDOWS_SERVER, patches
from tests.subscriptions.recorded_keys import record_test_key

START = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def agent(world):
    world.reseller_a_user.admin_agent = True
    db.session.commit()
    return world.reseller_a_user


def remote(pc_sandbox, sub) -> dict:
    return pc_sandbox.data["subscriptions"][sub.pc_subscription_id]["wire"]


def test_s1_autorenew_is_on_by_default_and_switching_it_off_sends_the_full_resource(
        buy, world, pc_client, pc_responses, pc_sandbox):
    sub = buy(quantity=3)
    assert sub.autorenew is True
    services.set_autorenew(sub, False, world.reseller_a_user, pc_client)
    body = patches(pc_responses)[-1]
    assert body["autoRenewEnabled"] is False
    # The whole resource went back: quantity, offer, term and billing cycle are kept.
    assert (body["quantity"], body["offerId"], body["termDuration"], body["billingCycle"]) == \
        (3, sub.offer_id, "P1M", "monthly")
    assert remote(pc_sandbox, sub)["autoRenewEnabled"] is False
    assert sub.autorenew is False
    event = sub.events[-1]
    assert (event.kind, event.user) == ("autorenew", world.reseller_a_user)
    assert event.request_id


def test_s1_autorenew_can_be_switched_back_on(buy, world, pc_client, pc_sandbox):
    sub = buy()
    services.set_autorenew(sub, False, world.reseller_a_user, pc_client)
    services.set_autorenew(sub, True, world.reseller_a_user, pc_client)
    assert remote(pc_sandbox, sub)["autoRenewEnabled"] is True and sub.autorenew is True


def test_s2_adding_licenses_by_quantity_keeps_autorenew_in_the_full_body(
        clock, buy, world, pc_client, pc_responses, pc_sandbox):
    sub = buy(quantity=2)
    clock.move_to(START + timedelta(days=20))
    services.change_quantity(sub, 5, world.reseller_a_user, pc_client)
    body = patches(pc_responses)[-1]
    assert body["quantity"] == 5 and body["autoRenewEnabled"] is True
    assert remote(pc_sandbox, sub)["quantity"] == 5 and sub.quantity == 5
    assert sub.events[-1].note == "Licenses changed from 2 to 5."


def test_s2_licenses_can_be_removed_at_167_hours_59_minutes(clock, buy, world, pc_client,
                                                            pc_sandbox):
    sub = buy(quantity=5)
    clock.move_to(START + timedelta(hours=167, minutes=59))
    services.change_quantity(sub, 3, world.reseller_a_user, pc_client)
    assert remote(pc_sandbox, sub)["quantity"] == 3


def test_s2_removing_licenses_is_refused_at_168_hours_1_minute(clock, buy, world, pc_client,
                                                               pc_sandbox, pc_responses):
    sub = buy(quantity=5)
    clock.move_to(START + timedelta(hours=168, minutes=1))
    with pytest.raises(SubscriptionRefused) as refused:
        services.change_quantity(sub, 3, world.reseller_a_user, pc_client)
    assert refused.value.code == "S2.reduction_window_closed"
    assert refused.value.until == START + timedelta(hours=168)
    assert remote(pc_sandbox, sub)["quantity"] == 5 and patches(pc_responses) == []


def test_partner_center_refusing_a_late_reduction_is_reported_as_s2_and_kept_in_history(
        clock, buy, world, pc_client, pc_sandbox):
    sub = buy(quantity=5)
    sub.term_start = START + timedelta(days=30)  # a stale local mirror thinks the term renewed
    db.session.commit()
    clock.move_to(START + timedelta(days=30, hours=1))
    with pytest.raises(SubscriptionRefused) as refused:
        services.change_quantity(sub, 3, world.reseller_a_user, pc_client)
    assert refused.value.code == "S2.reduction_window_closed"
    assert sub.events[-1].kind == "quantity_refused" and "900214" in sub.events[-1].note
    assert remote(pc_sandbox, sub)["quantity"] == 5


def test_s2_removing_a_software_subscriptions_licenses_is_refused_before_partner_center(
        clock, buy, world, pc_client, pc_sandbox, pc_responses):
    sub = buy(SQL_SERVER, "P1Y", "annual", quantity=4, family="software_subscription")
    clock.move_to(START + timedelta(days=1))
    with pytest.raises(SubscriptionRefused) as refused:
        services.change_quantity(sub, 3, world.reseller_a_user, pc_client)
    assert refused.value.code == "S2.software_no_reduction"
    assert "cannot be removed" in refused.value.message
    assert remote(pc_sandbox, sub)["quantity"] == 4 and patches(pc_responses) == []


def test_s2_partner_centers_no_reduction_answer_is_not_called_a_closed_window(
        clock, buy, world, pc_client, pc_sandbox):
    sub = buy(SQL_SERVER, "P1Y", "annual", quantity=4, family="software_subscription")
    sub.family = "office365_business"  # a mirror that took it for new-commerce seats
    db.session.commit()
    clock.move_to(START + timedelta(days=1))
    with pytest.raises(SubscriptionRefused) as refused:
        services.change_quantity(sub, 3, world.reseller_a_user, pc_client)
    assert refused.value.code == "S2.software_no_reduction"
    assert sub.events[-1].kind == "quantity_refused" and "800090" in sub.events[-1].note
    assert remote(pc_sandbox, sub)["quantity"] == 4


def test_s2_partner_centers_800090_on_other_seats_is_a_reduction_refusal_in_its_words(
        clock, buy, world, pc_client, pc_sandbox):
    """800090 "Subscription quantity can't be decreased" (error-codes) is also what new
    commerce answers outside the seats' 7 days (change-the-quantity-of-a-subscription):
    for a subscription that is not software it is S2's reduction refusal, not software's,
    with Partner Center's own reason."""
    sub = buy(quantity=5)
    clock.move_to(START + timedelta(days=1))
    pc_sandbox.add_fault("error", "PATCH /v1/customers/*/subscriptions/*", status=400,
                         code="800090", description="Subscription quantity cannot be decreased.")
    with pytest.raises(SubscriptionRefused) as refused:
        services.change_quantity(sub, 3, world.reseller_a_user, pc_client)
    assert (refused.value.rule, refused.value.code) == ("S2", "S2.reduction_window_closed")
    assert "Subscription quantity cannot be decreased." in refused.value.message
    assert "software" not in refused.value.message
    assert sub.events[-1].kind == "quantity_refused" and "800090" in sub.events[-1].note
    assert remote(pc_sandbox, sub)["quantity"] == 5


def test_s3_cancelling_at_167_hours_59_minutes_refunds_the_unused_term(
        clock, buy, agent, pc_client, pc_sandbox, pc_responses):
    sub = buy(quantity=2)  # 2 × 12.50 for 31 days (March)
    now = START + timedelta(hours=167, minutes=59)
    clock.move_to(now)
    quote = services.cancel(sub, agent, pc_client)
    # Microsoft's rule: the unused days of March's cycle, 8–31 March: 12.50/31 × 24 × 2
    # = 19.3548… cut to 19.35 (persistence.money.charge_amount)
    assert (quote.amount, quote.currency) == (Decimal("19.35"), "USD")
    assert patches(pc_responses)[-1]["status"] == "deleted"
    assert remote(pc_sandbox, sub)["status"] == "deleted" and sub.status == "cancelled"
    assert sub.events[-1].kind == "cancel" and "19.35" in sub.events[-1].note


def test_s3_cancelling_at_168_hours_1_minute_is_refused_with_the_date_the_window_closed(
        clock, buy, agent, pc_client, pc_sandbox):
    sub = buy()
    clock.move_to(START + timedelta(hours=168, minutes=1))
    with pytest.raises(SubscriptionRefused) as refused:
        services.cancel(sub, agent, pc_client)
    assert refused.value.code == "S3.cancellation_window_closed"
    assert "2025-03-08 09:00" in refused.value.message
    assert remote(pc_sandbox, sub)["status"] == "active"


def test_s3_quote_for_an_annual_and_a_triennial_term(clock, buy):
    annual = buy(SQL_SERVER, "P1Y", "annual", quantity=1, family="software_subscription",
                 cost="100.00", erp="120.00")
    three_years = Price(sku=annual.product.skus[0], term_duration="P3Y", billing_cycle="triennial",
                        market="US", currency="USD", unit_price=Decimal("900.00"),
                        erp_price=Decimal("1000.00"))
    db.session.add(three_years)
    triennial = buy(SQL_SERVER, "P3Y", "triennial", quantity=1, price=three_years)
    at = START + timedelta(days=5, hours=12)
    # Whole days of the one cycle charged, from 6 March: 120 × 360/365 and 1000 × 1091/1096
    # (the triennial cycle spans 29 Feb 2028)
    assert services.cancellation_quote(annual, at).amount == Decimal("118.35")
    assert services.cancellation_quote(triennial, at).amount == Decimal("995.43")


def test_s4_a_user_without_the_admin_agent_permission_cannot_cancel(buy, world, pc_client,
                                                                    pc_sandbox):
    sub = buy()
    for user in (world.reseller_a_user, world.admin):
        with pytest.raises(SubscriptionRefused) as refused:
            services.cancel(sub, user, pc_client)
        assert refused.value.code == "S4.admin_agent_required"
    assert remote(pc_sandbox, sub)["status"] == "active"


def test_s5_a_red_hat_plan_is_never_cancelled_even_by_an_admin_agent(
        buy, agent, pc_client, pc_responses):
    sub = buy(RED_HAT, "P1Y", "annual", family="software_subscription", cancellable=False)
    with pytest.raises(SubscriptionRefused) as refused:
        services.cancel(sub, agent, pc_client)
    assert refused.value.code == "S5.never_cancellable"
    assert patches(pc_responses) == []


def perpetual(buy):
    sub = buy(WINDOWS_SERVER, "", "one_time", quantity=1, family="perpetual_software",
              cost="800.00", erp="950.00")
    record_test_key(sub)
    return sub


def test_s6_perpetual_software_cancelled_on_day_30_is_credited_in_full_and_loses_its_key(
        clock, buy, agent, pc_client, pc_sandbox):
    sub = perpetual(buy)
    clock.move_to(START + timedelta(days=30))
    quote = services.cancel(sub, agent, pc_client)
    assert quote.amount == Decimal("950.00")
    assert pc_sandbox.data["orders"][sub.pc_order_id]["wire"]["status"] == "cancelled"
    assert sub.status == "cancelled" and sub.live_keys == [] and sub.keys[0].revoked_at
    with pytest.raises(SubscriptionRefused) as refused:
        services.reveal_key(sub, agent)
    assert refused.value.code == "S6.key_revoked"


def test_s6_an_order_partner_center_does_not_know_says_what_to_do_and_keeps_the_key(
        clock, buy, agent, pc_client):
    sub = perpetual(buy)
    sub.pc_order_id = "0000aaaa1111bbbb"  # recorded under an order Partner Center lacks
    db.session.commit()
    with pytest.raises(SubscriptionRefused) as refused:
        services.cancel(sub, agent, pc_client)
    assert refused.value.code == "PC.order_not_found"
    message = refused.value.message
    assert "Nothing was cancelled or credited" in message and "0000aaaa1111bbbb" in message
    assert "Ask your provider" in message and "(20000)" not in message
    assert sub.status == "active" and sub.live_keys


def test_s6_perpetual_software_is_not_cancellable_on_day_31(clock, buy, agent, pc_client):
    sub = perpetual(buy)
    clock.move_to(START + timedelta(days=31))
    with pytest.raises(SubscriptionRefused) as refused:
        services.cancel(sub, agent, pc_client)
    assert refused.value.code == "S6.credit_window_closed"
    assert sub.live_keys


def test_s2_extra_licenses_go_to_the_cart_aimed_at_this_subscription(buy, world):
    sub = buy()
    line = add_licenses(sub, 4, world.reseller_a_user)
    assert (line.add_to_subscription_id, line.quantity, line.price_id) == \
        (sub.id, 4, world.price.id)


def test_c3_a_discontinued_plan_still_takes_extra_licenses(buy, world):
    sub = buy()
    sub.product.discontinued = True
    db.session.commit()
    assert add_licenses(sub, 1, world.reseller_a_user).add_to_subscription_id == sub.id


def test_c3_a_plan_at_end_of_sale_in_the_price_list_still_takes_extra_licenses(buy, world):
    sub = buy()
    world.price.listed = False  # its row is tagged EndOfSale, as every row of the plan
    sub.product.end_of_sale = True
    db.session.commit()
    assert add_licenses(sub, 1, world.reseller_a_user).add_to_subscription_id == sub.id


def test_c3_a_plan_partner_center_no_longer_sells_still_takes_extra_licenses(
        buy, world, pc_client, pc_sandbox):
    sub = buy()
    pc_sandbox.withdraw_availability("CFQ7TTC0LDPB", "0001")
    sync_catalog(pc_client, "US")
    assert sub.product.end_of_sale and not world.price.listed
    assert not sub.product.discontinued
    assert add_licenses(sub, 1, world.reseller_a_user).add_to_subscription_id == sub.id


def test_c4_extra_dynamics_licenses_go_to_this_instance(buy, world):
    first = buy(("CFQ7TTC0LGNM", "0001"), family="dynamics", new_subscription_per_order=True)
    second = buy(("CFQ7TTC0LGNM", "0001"), price=first.product.skus[0].prices[0])
    add_licenses(second, 2, world.reseller_a_user)
    lines = db.session.scalars(select(CartLine)).all()
    assert [(ln.add_to_subscription_id, ln.quantity) for ln in lines] == [(second.id, 2)]


def test_every_change_is_written_to_the_history(buy, world, pc_client):
    sub = buy()
    services.set_autorenew(sub, False, world.reseller_a_user, pc_client)
    services.change_quantity(sub, 4, world.reseller_a_user, pc_client)
    kinds = db.session.scalars(select(SubscriptionEvent.kind).where(
        SubscriptionEvent.subscription_id == sub.id)).all()
    assert kinds == ["autorenew", "quantity"]


def test_s2_licenses_added_mid_term_can_be_removed_within_their_own_7_days(
        clock, buy, world, pc_client, pc_sandbox):
    sub = buy(quantity=5)
    clock.move_to(START + timedelta(days=8))  # the purchase's window has closed
    services.change_quantity(sub, 8, world.admin, pc_client)  # 3 added today
    assert [seats for seats, _ in services.facts(sub).refundable] == [3]

    services.change_quantity(sub, 6, world.reseller_a_user, pc_client)  # 2 of the 3

    assert remote(pc_sandbox, sub)["quantity"] == 6 == sub.quantity


def test_s2_no_more_can_be_removed_than_partner_center_still_refunds(
        clock, buy, world, pc_client, pc_sandbox, pc_responses):
    sub = buy(quantity=5)
    clock.move_to(START + timedelta(days=8))
    services.change_quantity(sub, 8, world.admin, pc_client)
    sent = len(patches(pc_responses))

    with pytest.raises(SubscriptionRefused) as refused:
        services.change_quantity(sub, 4, world.reseller_a_user, pc_client)  # 4 > 3

    assert refused.value.code == "S2.reduction_window_closed"
    assert "at most 3" in refused.value.message
    assert len(patches(pc_responses)) == sent  # refused before anything reached Microsoft
    clock.move_to(START + timedelta(days=15, hours=1))  # the 3 added seats' window closed too
    with pytest.raises(SubscriptionRefused):
        services.change_quantity(sub, 7, world.reseller_a_user, pc_client)
