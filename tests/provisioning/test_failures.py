"""Business errors stop in needs_attention with their meaning; transient ones retry."""

from __future__ import annotations

from connectors.partner_center.errors import describe
from persistence import db
from provisioning.jobs import requeue, run_job
from tests.checkout.factories import URLS
from tests.provisioning.factories import BUSINESS_STANDARD, customer, make_order, reseller_user


def assert_needs_attention(order, code: str, next_step_words: str) -> None:
    assert order.status == "needs_attention"
    assert describe(code) in order.status_reason and code in order.status_reason
    assert next_step_words in order.next_step
    assert order.events[-1].status == "needs_attention"
    assert order.events[-1].note == order.status_reason
    assert order.job.state == "attention" and order.job.locked_until is None


def test_an_order_without_an_mca_needs_attention_13605(pc_app, pc_client, pc_sandbox):
    order = make_order(mca=False)
    run_job(order.id, pc_client)
    assert_needs_attention(order, "13605", "Microsoft Customer Agreement")
    assert pc_sandbox.count("orders") == 0


def test_a_third_business_plan_subscription_needs_attention_800066(pc_app, pc_client):
    first = make_order(lines=((BUSINESS_STANDARD, 1),))
    run_job(first.id, pc_client)
    second = make_order(first.placed_by, first.customer, lines=((BUSINESS_STANDARD, 1),))
    run_job(second.id, pc_client)
    third = make_order(first.placed_by, first.customer, lines=((BUSINESS_STANDARD, 1),))
    run_job(third.id, pc_client)
    assert second.status == "provisioned"
    assert_needs_attention(third, "800066", "add licenses to an existing subscription")


def test_a_malformed_registration_number_needs_attention_600050(pc_app, pc_client, pc_sandbox):
    user = reseller_user()
    buyer = customer(user, country="RU", city="Moskva", region="Moskva", postal_code="101000",
                     tax_id="12-34")
    order = make_order(user, buyer)
    run_job(order.id, pc_client)
    assert_needs_attention(order, "600050", "registration number")
    assert order.pc_customer_request_id == ""  # the refused create is not replayed
    assert pc_sandbox.count("customers") == 2


def test_an_admin_retry_after_the_fix_provisions_the_order(pc_app, pc_client, pc_sandbox):
    user = reseller_user()
    buyer = customer(user, country="RU", city="Moskva", region="Moskva", postal_code="101000",
                     tax_id="12-34")
    order = make_order(user, buyer)
    run_job(order.id, pc_client)
    buyer.tax_id = "7707083893"
    db.session.commit()
    requeue(order, "admin@test.example", client=pc_client, urls=URLS)
    assert order.job.state == "queued" and order.status == "provisioning"
    run_job(order.id, pc_client)
    assert order.status == "provisioned"
    assert [e.status for e in order.events] == [
        "submitted", "provisioning", "needs_attention", "provisioning", "provisioned"]
    assert "admin@test.example" in order.events[3].note
    assert pc_sandbox.count("customers") == 3


def test_server_errors_past_the_clients_retries_are_retried_later(pc_app, pc_client,
                                                                   pc_sandbox, pc_sleeps):
    pc_sandbox.add_fault("error", "POST /v1/customers/*/carts", status=503, count=4)
    order = make_order()
    assert run_job(order.id, pc_client) is not None
    assert order.job.state == "retry" and order.job.attempts == 1
    assert "ServiceUnavailable" in order.job.last_error and order.status == "provisioning"
    run_job(order.id, pc_client)
    assert order.status == "provisioned" and pc_sandbox.count("carts") == 1


def test_throttling_waits_at_least_retry_after(pc_app, pc_client, pc_sandbox):
    pc_app.config["PROVISIONING_BACKOFF_SECONDS"] = 1
    pc_sandbox.add_fault("error", "POST /v1/customers", status=429, count=4, retry_after=42)
    order = make_order()
    assert run_job(order.id, pc_client) >= 42
    assert order.job.state == "retry"
    assert run_job(order.id, pc_client) is None  # not due yet: nothing runs
    assert pc_sandbox.count("customers") == 2


def test_a_retry_after_too_long_for_one_call_reschedules_the_job_by_it(
        pc_app, pc_client, pc_sandbox, pc_sleeps):
    pc_sandbox.add_fault("error", "POST /v1/customers", status=429, count=1, retry_after=900)
    order = make_order()
    assert run_job(order.id, pc_client) >= 900
    assert pc_sleeps == [] and order.job.state == "retry"  # the worker was not held 15 min


def test_an_order_that_keeps_failing_ends_in_attention_not_lost(pc_app, pc_client, pc_sandbox):
    pc_app.config["PROVISIONING_MAX_ATTEMPTS"] = 3
    pc_sandbox.add_fault("error", "POST /v1/customers", status=500, count=None)
    order = make_order()
    while run_job(order.id, pc_client) is not None:
        pass
    assert order.status == "needs_attention" and order.job.attempts == 3
    assert "3 attempts" in order.status_reason and "retry the order" in order.next_step


def test_a_polish_nip_stays_with_us_and_the_order_provisions(pc_app, pc_client, pc_sandbox):
    user = reseller_user()
    buyer = customer(user, country="PL", city="Warszawa", postal_code="00-026",
                     region="", tax_id="8567346215")
    order = make_order(user, buyer)
    run_job(order.id, pc_client)
    assert order.status == "provisioned"  # no 600002: PL takes no registration number
