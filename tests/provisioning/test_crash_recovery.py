"""A crash right after any Partner Center write: the re-run finishes without doubling."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from agreements.mca import McaAttestation
from persistence import db
from provisioning.jobs import run_job
from subscriptions.models import Subscription
from tests.provisioning.conftest import crash_once_at
from tests.provisioning.factories import BUSINESS_STANDARD, make_order

SEEDED_TENANTS = 2


def assert_exactly_one_of_everything(order, sandbox) -> None:
    data = sandbox.snapshot()
    mine = [c for c in data["customers"].values()
            if c["companyProfile"]["domain"].startswith(order.domain_prefix + ".")]
    assert len(mine) == 1
    assert len(data["customers"]) == SEEDED_TENANTS + 1
    assert [c["wire"]["status"] for c in data["carts"].values()] == ["Ordered"]
    assert len(data["orders"]) == 1 and len(data["subscriptions"]) == 1
    assert len(data["agreements"][order.pc_customer_id]) == 1
    assert db.session.scalar(select(func.count(Subscription.id))) == 1


@pytest.mark.parametrize("step", ["customer", "attestation", "cart", "checkout"])
def test_a_crash_after_each_write_is_finished_by_the_re_run(pc_app, pc_client, pc_sandbox,
                                                            step):
    order = make_order()
    checkpoint = crash_once_at(step)
    assert run_job(order.id, pc_client, checkpoint=checkpoint) is not None
    assert checkpoint.fired == [step]
    assert order.job.state == "retry" and order.job.attempts == 1
    assert "injected crash" in order.job.last_error
    assert run_job(order.id, pc_client, checkpoint=checkpoint) is None
    assert order.status == "provisioned"
    assert_exactly_one_of_everything(order, pc_sandbox)


def test_a_crash_after_attesting_leaves_one_attested_ledger_row(pc_app, pc_client):
    order = make_order()
    checkpoint = crash_once_at("attestation")
    run_job(order.id, pc_client, checkpoint=checkpoint)
    run_job(order.id, pc_client, checkpoint=checkpoint)
    statuses = db.session.scalars(select(McaAttestation.status)).all()
    assert statuses == ["attested"]


def test_a_crash_after_adding_licenses_does_not_add_them_twice(pc_app, pc_client, pc_sandbox):
    first = make_order(lines=((BUSINESS_STANDARD, 3),))
    run_job(first.id, pc_client)
    mirror = db.session.scalar(select(Subscription))
    more = make_order(first.placed_by, first.customer, lines=((BUSINESS_STANDARD, 2),),
                      add_to=mirror)
    checkpoint = crash_once_at("add_licenses")
    run_job(more.id, pc_client, checkpoint=checkpoint)
    run_job(more.id, pc_client, checkpoint=checkpoint)
    assert checkpoint.fired == ["add_licenses"] and more.status == "provisioned"
    wire = pc_sandbox.snapshot()["subscriptions"][mirror.pc_subscription_id]["wire"]
    assert wire["quantity"] == mirror.quantity == 5
    assert [e.note for e in mirror.events if e.kind == "licenses_added"] == [
        f"2 licenses added by order {more.number}; 5 in all."]  # written once


def test_a_lost_answer_to_every_write_is_replayed_with_the_same_request_id(
        pc_app, pc_client, pc_sandbox):
    for endpoint in ("POST /v1/customers", "POST /v1/customers/*/agreements",
                     "POST /v1/customers/*/carts", "POST /v1/customers/*/carts/*/checkout"):
        pc_sandbox.add_fault("timeout", endpoint, count=1)
    order = make_order()
    run_job(order.id, pc_client)
    assert order.status == "provisioned"
    assert_exactly_one_of_everything(order, pc_sandbox)


def test_a_checkout_replay_answered_800065_reads_the_existing_order(pc_app, pc_client,
                                                                    pc_sandbox):
    order = make_order()
    run_job(order.id, pc_client, checkpoint=crash_once_at("checkout"))
    pc_sandbox.data["idempotency"].clear()  # Partner Center no longer knows the request id
    run_job(order.id, pc_client)
    assert order.status == "provisioned"
    assert_exactly_one_of_everything(order, pc_sandbox)


def test_a_checkout_still_running_elsewhere_800064_is_waited_for(pc_app, pc_client, pc_sandbox):
    order = make_order()
    run_job(order.id, pc_client, checkpoint=crash_once_at("cart"))
    run_job(order.id, pc_client, checkpoint=crash_once_at("checkout"))
    pc_sandbox.data["idempotency"].clear()
    pc_sandbox.data["carts"][order.pc_cart_id]["wire"]["status"] = "Active"
    pc_sandbox.data["carts"][order.pc_cart_id]["processing"] = True  # another checkout runs
    run_job(order.id, pc_client)
    # Not `Ordered` yet: no order is claimed while the other checkout runs.
    assert order.job.state == "retry" and order.job.attempts == 2  # the two crashes only
    assert order.status == "provisioning" and order.lines[0].pc_order_id == ""
    pc_sandbox.data["carts"][order.pc_cart_id]["wire"]["status"] = "Ordered"
    pc_sandbox.data["carts"][order.pc_cart_id]["processing"] = False  # it has finished
    run_job(order.id, pc_client)
    assert order.status == "provisioned"
    assert len(pc_sandbox.snapshot()["orders"]) == 1


def test_a_customer_created_by_a_lost_run_is_found_by_domain(pc_app, pc_client, pc_sandbox):
    order = make_order()
    run_job(order.id, pc_client, checkpoint=crash_once_at("customer"))
    pc_sandbox.data["idempotency"].clear()  # a replay would now create a second tenant
    run_job(order.id, pc_client)
    assert order.status == "provisioned"
    assert_exactly_one_of_everything(order, pc_sandbox)
