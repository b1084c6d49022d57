"""C4: Dynamics creates a subscription per order; other held plans get extra licenses."""

from dataclasses import replace

import pytest

from checkout.plan import ADD_LICENSES, NEW_SUBSCRIPTION, LinePlan, plan_lines
from checkout.rules.c04_subscription_per_order import check
from tests.checkout.factories import (
    context,
    direct,
    dynamics_line,
    line,
    reservation_line,
    subscription,
)

DYNAMICS_PROD = subscription("dyn-prod", product_id="CFQ7TTC0LF8Q", sku_id="0001",
                             family="dynamics")


def test_each_dynamics_order_line_creates_a_new_subscription():
    ctx = context(lines=(dynamics_line(), dynamics_line(1)),
                  existing_subscriptions=(DYNAMICS_PROD,))
    assert plan_lines(ctx) == (LinePlan(0, NEW_SUBSCRIPTION), LinePlan(1, NEW_SUBSCRIPTION))
    assert check(ctx) == []


def test_extra_dynamics_licenses_go_to_the_instance_chosen_on_its_page():
    ctx = context(lines=(dynamics_line(add_to_subscription_id="dyn-prod"),),
                  existing_subscriptions=(DYNAMICS_PROD,))
    assert plan_lines(ctx) == (LinePlan(0, ADD_LICENSES, "dyn-prod"),)
    assert check(ctx) == []


def test_a_plan_already_held_on_the_same_cycle_gets_extra_licenses():
    ctx = context(lines=(line(),), existing_subscriptions=(subscription("sub-9"),))
    assert plan_lines(ctx) == (LinePlan(0, ADD_LICENSES, "sub-9"),)


def test_a_plan_held_on_another_cycle_gets_a_new_subscription():
    ctx = context(lines=(line(billing_cycle="annual", term_duration="P1Y"),),
                  existing_subscriptions=(subscription(),))
    assert plan_lines(ctx) == (LinePlan(0, NEW_SUBSCRIPTION),)


@pytest.mark.parametrize("held", [
    subscription(status="suspended"),
    subscription(status="deleted"),
    subscription(source="pending_order", status="pending"),
    subscription(reseller_mpn="9999999"),
    subscription(sku_id="0001"),
])
def test_licenses_are_only_added_to_an_active_subscription_of_ours_for_the_same_plan(held):
    ctx = context(lines=(line(),), existing_subscriptions=(held,))
    assert plan_lines(ctx) == (LinePlan(0, NEW_SUBSCRIPTION),)


def test_a_direct_customer_extends_its_own_direct_subscription():
    ctx = direct(lines=(line(),), existing_subscriptions=(subscription("d-1", reseller_mpn=None),))
    assert plan_lines(ctx) == (LinePlan(0, ADD_LICENSES, "d-1"),)


def test_one_time_purchases_are_always_new():
    held = subscription(product_id="DZH318Z0BQ4R", sku_id="00C1", family="azure_reservation",
                        billing_cycle="one_time", term_duration="P1Y")
    ctx = context(lines=(reservation_line(),), existing_subscriptions=(held,))
    assert plan_lines(ctx) == (LinePlan(0, NEW_SUBSCRIPTION),)


@pytest.mark.parametrize(("target", "code"), [
    (None, "C4.subscription_not_found"),
    (subscription("dyn-prod"), "C4.subscription_other_product"),
    (replace(DYNAMICS_PROD, status="deleted"),
     "C4.subscription_cancelled"),
    (replace(DYNAMICS_PROD, status="suspended"),
     "C4.subscription_suspended"),
    (replace(DYNAMICS_PROD, source="pending_order"),
     "C4.subscription_not_provisioned"),
    (replace(DYNAMICS_PROD, reseller_mpn="9999999"),
     "C4.subscription_other_partner"),
])
def test_refuses_extra_licenses_for_a_subscription_that_cannot_take_them(target, code):
    existing = () if target is None else (target,)
    ctx = context(lines=(dynamics_line(add_to_subscription_id="dyn-prod"),),
                  existing_subscriptions=existing)
    (problem,) = check(ctx)
    assert problem.code == code
    assert problem.line == 0
    assert problem.field == "add_to_subscription_id"
    assert "dyn-prod" not in problem.message  # the fix link names it; the words need not



@pytest.mark.parametrize("terms", [
    {"term_duration": "P1Y", "billing_cycle": "annual"},
    {"term_duration": "P1Y", "billing_cycle": "monthly"},
])
def test_c4_refuses_extra_licenses_on_another_term_or_billing_than_the_subscriptions(terms):
    ctx = context(lines=(line(add_to_subscription_id="sub-1", **terms),),
                  existing_subscriptions=(subscription("sub-1"),))
    (problem,) = check(ctx)
    assert problem.code == "C4.subscription_other_terms"
    assert (problem.line, problem.field) == (0, "add_to_subscription_id")
    assert "own term and billing" in problem.message


def test_c4_extra_licenses_on_the_subscriptions_own_term_and_billing_pass():
    ctx = context(lines=(line(add_to_subscription_id="sub-1"),),
                  existing_subscriptions=(subscription("sub-1"),))
    assert check(ctx) == []
