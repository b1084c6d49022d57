"""K12 end to end against the sandbox: the Azure plan is provisioned and mirrored, its
first Azure subscription appears under it, and a reservation is provisioned with its
provisioning context after the plan is registered for reservations."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from orders.models import Order
from persistence import as_utc, db
from provisioning.jobs import run_job
from subscriptions.azure_plan import azure_plan_of, azure_plan_view
from subscriptions.models import Subscription
from subscriptions.sync import sync_customer
from tests.provisioning.conftest import crash_once_at
from tests.provisioning.factories import (
    AZURE_PLAN,
    RESERVATION,
    customer,
    make_order,
    reseller_user,
)

DOCUMENTED = Path(__file__).parents[1] / "fixtures" / "partner_center" / "documented"


def _with_azure_plan(pc_client):
    user = reseller_user()
    buyer = customer(user)
    order = make_order(user, buyer, lines=((AZURE_PLAN, 1, "", "one_time"),))
    run_job(order.id, pc_client)
    return user, db.session.get(Order, order.id)


def test_the_azure_plan_is_provisioned_and_its_azure_subscription_listed(pc_app, pc_client):
    _user, order = _with_azure_plan(pc_client)
    assert order.status == "provisioned"
    plan = azure_plan_of(order.customer_id)
    assert plan is not None and plan.status == "active" and plan.family == "azure_plan"
    view = azure_plan_view(order.customer_id, pc_client)
    (azure_sub,) = view.active_subscriptions
    assert azure_sub.plan_subscription_id == plan.pc_subscription_id


def test_a_reservation_is_provisioned_with_its_context_on_a_registered_plan(
        pc_app, pc_client, pc_sandbox):
    user, plan_order = _with_azure_plan(pc_client)
    buyer = plan_order.customer
    (azure_sub,) = azure_plan_view(buyer.id, pc_client).active_subscriptions
    order = make_order(user, buyer, lines=((RESERVATION, 2, "P1Y", "one_time"),))
    line = order.lines[0]
    line.reservation_scope, line.azure_subscription_id = "single", azure_sub.id
    db.session.commit()
    assert run_job(order.id, pc_client) is None
    order = db.session.get(Order, order.id)
    assert order.status == "provisioned", order.status_reason
    state = pc_sandbox.snapshot()
    placed = state["orders"][order.lines[0].pc_order_id]["wire"]["lineItems"][0]
    assert placed["provisioningContext"] == {"subscriptionId": azure_sub.id, "scope": "single"}
    plan = azure_plan_of(buyer.id)
    assert state["azure"]["registrations"][plan.pc_subscription_id] == "Registered"
    reservation = db.session.scalar(select(Subscription).where(
        Subscription.family == "azure_reservation"))
    assert reservation is not None and reservation.quantity == 2


def test_a_reservation_without_an_azure_plan_waits_for_a_person(pc_app, pc_client):
    order = make_order(lines=((RESERVATION, 1, "P1Y", "one_time"),))
    line = order.lines[0]
    line.reservation_scope = "shared"
    line.azure_subscription_id = "899ae6f1-8a74-4d5e-b6c6-e6b5019bbff8"
    db.session.commit()
    run_job(order.id, pc_client)
    order = db.session.get(Order, order.id)
    assert order.status == "needs_attention"
    assert "Azure plan" in order.status_reason and "K12" in order.status_reason


def test_a_crash_after_registering_the_plan_is_finished_by_the_re_run(pc_app, pc_client,
                                                                       pc_sandbox):
    user, plan_order = _with_azure_plan(pc_client)
    buyer = plan_order.customer
    (azure_sub,) = azure_plan_view(buyer.id, pc_client).active_subscriptions
    order = make_order(user, buyer, lines=((RESERVATION, 1, "P3Y", "one_time"),))
    order.lines[0].reservation_scope = "shared"
    order.lines[0].azure_subscription_id = azure_sub.id
    db.session.commit()
    checkpoint = crash_once_at("registration")
    assert run_job(order.id, pc_client, checkpoint=checkpoint) is not None
    assert checkpoint.fired == ["registration"] and order.job.state == "retry"
    assert run_job(order.id, pc_client, checkpoint=checkpoint) is None
    assert db.session.get(Order, order.id).status == "provisioned"
    reservations = [o for o in pc_sandbox.snapshot()["orders"].values()
                    if o["wire"]["lineItems"][0].get("provisioningContext")]
    assert len(reservations) == 1  # registered twice is harmless; ordered once


def _documented_azure_subscription() -> dict:
    """get-a-subscription-by-id's Azure sample (a subscription that can't autorenew)."""
    sample = json.loads((DOCUMENTED / "get_subscription.json").read_text())
    (azure,) = [a for a in sample["alternatives"] if "Azure" in a["name"]]
    return azure["response"]["body"]


def test_the_azure_plans_commitment_end_is_far_in_the_future_as_documented(
        pc_app, pc_client, pc_sandbox):
    """subscription-resources: for a subscription that can't autorenew, commitmentEndDate
    "represents a date far away in the future" (the documented Azure sample: 9999-12-10);
    the sandbox said the day it was bought, so no code ever met the real date."""
    _user, order = _with_azure_plan(pc_client)
    plan = azure_plan_of(order.customer_id)
    documented = _documented_azure_subscription()
    answered = pc_sandbox.snapshot()["subscriptions"][plan.pc_subscription_id]["wire"]
    assert answered["autoRenewEnabled"] is documented["autoRenewEnabled"] is False
    assert answered["commitmentEndDate"] == documented["commitmentEndDate"]
    assert as_utc(plan.term_end) == datetime(9999, 12, 10, tzinfo=UTC)
    assert plan.term_ends is None  # no term: nothing shows or counts that date


def test_a_sync_never_takes_the_azure_plans_far_commitment_end_for_a_renewal(
        pc_app, pc_client):
    _user, order = _with_azure_plan(pc_client)
    plan = azure_plan_of(order.customer_id)
    # As a mirror made before the sandbox followed the docs holds it: the day it was bought.
    bought = plan.term_start
    plan.term_end = plan.purchased_at
    db.session.commit()
    sync_customer(order.customer, pc_client)
    db.session.commit()
    plan = azure_plan_of(order.customer_id)
    assert as_utc(plan.term_end).year == 9999  # Partner Center's date, mirrored
    assert plan.term_start == bought and plan.renewed_on is None and not plan.renewed_terms
    assert not [e for e in plan.events if "renewed" in e.note]
