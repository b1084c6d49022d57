"""K6: at most one monthly and one annual subscription of a Business plan per customer."""

from checkout.rules.k06_business_plan_limit import check
from tests.checkout.factories import (
    annual,
    codes,
    context,
    direct,
    line,
    subscription,
)

MONTHLY = subscription("sub-m")
ANNUAL = subscription("sub-a", billing_cycle="annual", term_duration="P1Y")


def test_allows_a_first_business_subscription():
    assert check(context(lines=(line(),))) == []


def test_allows_one_monthly_and_one_annual_in_the_same_cart():
    assert check(context(lines=(line(), annual(1)))) == []


def test_turns_a_second_monthly_order_into_extra_licenses_instead_of_refusing():
    assert check(context(lines=(line(),), existing_subscriptions=(MONTHLY,))) == []


def test_refuses_a_second_monthly_business_subscription():
    # A 1-year term billed monthly is another subscription than the held 1-month one.
    ctx = context(lines=(line(term_duration="P1Y"),), existing_subscriptions=(MONTHLY,))
    (problem,) = check(ctx)
    assert problem.code == "K6.second_subscription_same_cycle"
    assert problem.line == 0
    assert problem.fix_url == "/subscriptions/sub-m"
    assert "Add licenses" in problem.message
    assert "sub-m" not in problem.message  # the link opens it; the id means nothing to a buyer


def test_refuses_a_third_business_subscription():
    ctx = context(lines=(line(billing_cycle="triennial", term_duration="P3Y"),),
                  existing_subscriptions=(MONTHLY, ANNUAL))
    assert codes(check(ctx)) == ["K6.third_subscription"]


def test_refuses_a_new_subscription_when_the_plan_creates_one_per_order():
    ctx = context(lines=(line(new_subscription_per_order=True),), existing_subscriptions=(MONTHLY,))
    assert codes(check(ctx)) == ["K6.second_subscription_same_cycle"]


def test_counts_an_order_that_is_not_provisioned_yet():
    pending = subscription("order-41", status="pending", source="pending_order")
    (problem,) = check(context(lines=(line(),), existing_subscriptions=(pending,)))
    assert problem.code == "K6.second_subscription_same_cycle"
    assert "being provisioned" in problem.message and "order-41" not in problem.message


def test_counts_a_suspended_subscription():
    suspended = subscription("sub-s", status="suspended")
    (problem,) = check(context(lines=(line(),), existing_subscriptions=(suspended,)))
    assert problem.code == "K6.second_subscription_same_cycle"
    assert "Reactivate" in problem.message


def test_counts_a_subscription_only_recorded_locally():
    local = subscription("sub-l", source="local", term_duration="P1Y")
    assert codes(check(context(lines=(line(),), existing_subscriptions=(local,)))) == [
        "K6.second_subscription_same_cycle"]


def test_counts_a_subscription_sold_by_another_partner_on_the_same_tenant():
    theirs = subscription("sub-x", reseller_mpn="9999999")
    (problem,) = check(context(lines=(line(),), existing_subscriptions=(theirs,)))
    assert problem.code == "K6.second_subscription_same_cycle"
    assert problem.fix_url is None


def test_does_not_count_a_cancelled_subscription():
    cancelled = subscription("sub-c", status="deleted", term_duration="P1Y")
    assert check(context(lines=(line(),), existing_subscriptions=(cancelled,))) == []


def test_refuses_a_second_monthly_line_for_the_same_plan_in_one_cart():
    (problem,) = check(context(lines=(line(), line(1))))
    assert problem.code == "K6.second_subscription_same_cycle"
    assert problem.line == 1
    assert "one line" in problem.message


def test_allows_another_business_plan_on_a_cycle_already_used():
    basic = line(product_id="CFQ7TTC0LH18", sku_id="0001", title="Microsoft 365 Business Basic")
    assert check(context(lines=(basic,), existing_subscriptions=(MONTHLY,))) == []


def test_ignores_plans_that_are_not_business_plans():
    e3 = {"family": "microsoft365", "new_subscription_per_order": True}
    held = subscription(family="microsoft365")
    assert check(context(lines=(line(**e3), line(1, **e3)),
                         existing_subscriptions=(held,))) == []


def test_applies_to_direct_customers_too():
    ctx = direct(lines=(line(term_duration="P1Y"),),
                 existing_subscriptions=(subscription(reseller_mpn=None),))
    assert codes(check(ctx)) == ["K6.second_subscription_same_cycle"]
