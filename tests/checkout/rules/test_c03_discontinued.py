"""C3: a discontinued offer creates no new subscription; extra licenses on existing ones only."""

from checkout.rules.c03_discontinued import check
from tests.checkout.factories import codes, context, line, subscription


def test_refuses_a_new_subscription_of_a_discontinued_offer():
    (problem,) = check(context(lines=(line(discontinued=True),)))
    assert problem.code == "C3.discontinued_offer"
    assert problem.line == 0


def test_allows_extra_licenses_on_a_subscription_the_customer_holds():
    ctx = context(lines=(line(discontinued=True),), existing_subscriptions=(subscription(),))
    assert check(ctx) == []


def test_allows_extra_licenses_bought_from_the_subscription_page():
    ctx = context(lines=(line(discontinued=True, add_to_subscription_id="sub-1"),),
                  existing_subscriptions=(subscription(),))
    assert check(ctx) == []


def test_refuses_when_the_held_subscription_is_on_another_billing_cycle():
    ctx = context(lines=(line(discontinued=True, billing_cycle="annual", term_duration="P1Y"),),
                  existing_subscriptions=(subscription(),))
    assert codes(check(ctx)) == ["C3.discontinued_offer"]


def test_refuses_a_discontinued_plan_that_creates_a_subscription_per_order():
    ctx = context(lines=(line(discontinued=True, new_subscription_per_order=True),),
                  existing_subscriptions=(subscription(),))
    assert codes(check(ctx)) == ["C3.discontinued_offer"]


def test_current_offers_are_not_affected():
    assert check(context(lines=(line(discontinued=False),))) == []


def test_refuses_a_new_subscription_at_a_price_row_no_longer_sold():
    (problem,) = check(context(lines=(line(price_sells=False),)))
    assert (problem.code, problem.line) == ("C3.price_not_sold", 0)


def test_allows_extra_licenses_at_a_price_row_no_longer_sold():
    ctx = context(lines=(line(price_sells=False),), existing_subscriptions=(subscription(),))
    assert check(ctx) == []
