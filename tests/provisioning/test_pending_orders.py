"""Waiting for Partner Center (an order, a checkout's orders, an Azure plan's registration):
polls thin out, an ended order fails its lines, and a wait that never ends goes to a
person instead of being polled forever."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from catalog.pricing import buyer_locale, format_money
from notifications.models import OutboxEmail
from persistence import db
from provisioning.jobs import run_job
from subscriptions.azure_plan import azure_plan_view
from tests.provisioning.conftest import crash_once_at
from tests.provisioning.factories import (
    AZURE_PLAN,
    BUSINESS_STANDARD,
    RESERVATION,
    customer,
    make_order,
    reseller_user,
)

CHECKOUT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def pending_forever(pc_app, pc_sandbox):
    pc_app.config["PROVISIONING_POLL_SECONDS"] = 5
    pc_sandbox.config.provisioning_polls = 10**6
    return pc_sandbox


def test_a_pending_order_is_polled_less_often_as_it_ages_up_to_every_15_minutes(
        pending_forever, pc_client):
    with time_machine.travel(CHECKOUT, tick=False) as clock:
        order = make_order()
        waits = [run_job(order.id, pc_client)]
        for hours in (1, 6):
            clock.move_to(CHECKOUT + timedelta(hours=hours))
            waits.append(run_job(order.id, pc_client))
    assert waits == [5.0, 300.0, 900.0]
    assert order.job.state == "retry" and order.job.attempts == 0
    assert "still provisioning" in order.job.last_error and "pending" in order.job.last_error


def test_an_order_still_pending_a_day_after_checkout_goes_to_attention(
        pending_forever, pc_client):
    with time_machine.travel(CHECKOUT, tick=False) as clock:
        order = make_order()
        run_job(order.id, pc_client)
        clock.move_to(CHECKOUT + timedelta(hours=25))
        assert run_job(order.id, pc_client) is None
    assert order.status == "needs_attention" and order.job.state == "attention"
    assert "25 hours after checkout" in order.status_reason
    assert order.lines[0].pc_order_id in order.status_reason
    assert "Microsoft support" in order.next_step


@pytest.mark.parametrize("status", ["cancelled", "error"])
def test_a_cancelled_or_failed_order_fails_its_lines_with_the_reason(
        pending_forever, pc_client, status):
    with time_machine.travel(CHECKOUT, tick=False) as clock:
        order = make_order()
        run_job(order.id, pc_client)
        pending_forever.end_order(order.lines[0].pc_order_id, status)
        clock.move_to(CHECKOUT + timedelta(minutes=1))
        assert run_job(order.id, pc_client) is None
    line = order.lines[0]
    assert line.status == "failed" and f"ended as '{status}'" in line.error_description
    assert order.status == "needs_attention" and order.job.state == "attention"
    assert line.pc_order_id in order.status_reason


def test_an_ended_order_fails_only_its_own_lines(pending_forever, pc_client):
    with time_machine.travel(CHECKOUT, tick=False) as clock:
        order = make_order(lines=((BUSINESS_STANDARD, 2, "P1M", "monthly"),
                                  (BUSINESS_STANDARD, 5, "P1Y", "annual")))
        run_job(order.id, pc_client)
        monthly, annual = order.lines
        pending_forever.end_order(monthly.pc_order_id)
        pending_forever.config.provisioning_polls = 0  # the annual order completes
        clock.move_to(CHECKOUT + timedelta(minutes=1))
        run_job(order.id, pc_client)
    assert (monthly.status, annual.status) == ("failed", "provisioned")
    assert order.status == "partially_provisioned"


def test_orders_of_a_checked_out_cart_never_listed_go_to_attention_a_day_after_the_cart(
        pending_forever, pc_client):
    pending_forever.config.order_list_lag_seconds = 10**7
    with time_machine.travel(CHECKOUT, tick=False) as clock:
        order = make_order()
        run_job(order.id, pc_client, checkpoint=crash_once_at("checkout"))
        pending_forever.data["idempotency"].clear()  # the replay is answered 800065
        clock.move_to(CHECKOUT + timedelta(hours=1))
        assert run_job(order.id, pc_client) == 300.0
        assert "not listed yet" in order.job.last_error
        clock.move_to(CHECKOUT + timedelta(hours=25))
        assert run_job(order.id, pc_client) is None
    assert order.status == "needs_attention" and order.job.state == "attention"
    assert "25 hours after its cart was created" in order.status_reason
    assert order.pc_cart_id in order.next_step and "Microsoft support" not in order.next_step


def test_an_azure_plan_never_registered_goes_to_attention_a_day_after_asking_even_after_a_crash(
        pending_forever, pc_client):
    pending_forever.config.provisioning_polls = 0  # orders complete; registration does not
    with time_machine.travel(CHECKOUT, tick=False) as clock:
        user = reseller_user()
        buyer = customer(user)
        run_job(make_order(user, buyer, lines=((AZURE_PLAN, 1, "", "one_time"),)).id,
                pc_client)
        (azure_sub,) = azure_plan_view(buyer.id, pc_client).active_subscriptions
        order = make_order(user, buyer, lines=((RESERVATION, 2, "P1Y", "one_time"),))
        order.lines[0].reservation_scope = "single"
        order.lines[0].azure_subscription_id = azure_sub.id
        db.session.commit()
        pending_forever.config.registration_completes = False
        run_job(order.id, pc_client, checkpoint=crash_once_at("registration"))
        clock.move_to(CHECKOUT + timedelta(hours=6))
        assert run_job(order.id, pc_client) == 900.0
        assert "being registered" in order.job.last_error and order.job.attempts == 1
        clock.move_to(CHECKOUT + timedelta(hours=25))
        assert run_job(order.id, pc_client) is None
    assert order.status == "needs_attention" and order.job.state == "attention"
    assert "25 hours after its registration was asked for" in order.status_reason
    assert "registered for reservations" in order.next_step and not order.pc_cart_id
    assert sum("register the Azure plan" in e.note for e in order.events) == 1


def test_a_plan_partner_center_no_longer_sells_goes_to_a_person_in_words(pc_app, pc_client):
    """The reason read "no longer sold for P3Y billed triennial": Partner Center's codes."""
    order = make_order(lines=((BUSINESS_STANDARD, 2, "P3Y", "triennial"),))
    run_job(order.id, pc_client)
    db.session.refresh(order)
    assert order.status == "needs_attention"
    assert ("Microsoft 365 Business Standard is no longer sold as 3-year term · billed every "
            "3 years in ") in order.status_reason
    assert "P3Y" not in order.status_reason


def test_the_outcome_email_says_what_was_ordered_for_whom_and_at_what_price(pc_app,
                                                                          pc_client):
    """It said only "The line is active in Partner Center." and a link."""
    order = make_order(lines=((BUSINESS_STANDARD, 3, "P1M", "monthly"),))
    run_job(order.id, pc_client)
    db.session.refresh(order)
    assert order.status == "provisioned"
    (mail,) = db.session.scalars(select(OutboxEmail).filter_by(to=order.placed_by.email)).all()
    line = order.lines[0]
    shown = format_money(line.amount, line.currency, buyer_locale(order.customer.language,
                                                                  order.customer.country))
    assert mail.subject == f"Order {order.number} is provisioned"
    assert mail.body.startswith(f"Order {order.number} for {order.customer.company_name}, "
                                f"1 line (amounts excl. tax):\n- Microsoft 365 Business "
                                f"Standard × 3: 1-month term · billed monthly, {shown} per "
                                "month\n\nThe line is active in Partner Center.")
