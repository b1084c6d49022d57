"""K12: a reservation names its scope and an Azure subscription of the customer's Azure
plan; the Azure plan itself is one per customer and not for a legacy Azure customer."""

from checkout.context import AzureSubscriptionFacts
from checkout.rules.k12_reservation_scope import check
from tests.checkout.factories import codes, context, line, reservation_line, subscription

AZURE_SUB = "3f15978e-005c-b763-bb78-2a8fab289c58"
OTHER_SUB = "899ae6f1-8a74-4d5e-b6c6-e6b5019bbff8"
PLAN = subscription("plan-1", product_id="DZH318Z0BPS6", sku_id="0001", family="azure_plan",
                    billing_cycle="one_time", term_duration=None)
PLAN_SUBSCRIPTIONS = (AzureSubscriptionFacts(AZURE_SUB, "Microsoft Azure", True),)


def plan_line(index: int = 0, **changes):
    return line(index, **{"product_id": "DZH318Z0BPS6", "sku_id": "0001",
                          "catalog_item_id": "DZH318Z0BPS6:0001:DZH318Z0BPS7",
                          "title": "Azure plan", "family": "azure_plan",
                          "billing_cycle": "one_time", "term_duration": None, "quantity": 1,
                          **changes})


def with_plan(*lines, subs=PLAN_SUBSCRIPTIONS, existing=(PLAN,)):
    return context(lines=lines, existing_subscriptions=existing, azure_subscriptions=subs)


def test_allows_a_reservation_with_its_scope_and_a_subscription_of_the_plan():
    ctx = with_plan(reservation_line(reservation_scope="single",
                                     azure_subscription_id=AZURE_SUB.upper()))
    assert check(ctx) == []


def test_refuses_a_reservation_for_a_customer_without_an_azure_plan():
    ctx = context(lines=(reservation_line(reservation_scope="shared",
                                          azure_subscription_id=AZURE_SUB),))
    (problem,) = check(ctx)
    assert problem.code == "K12.no_azure_plan" and problem.line == 0


def test_an_azure_plan_in_the_same_cart_does_not_yet_carry_a_reservation():
    ctx = context(lines=(plan_line(), reservation_line(1, reservation_scope="shared",
                                                       azure_subscription_id=AZURE_SUB)))
    assert codes(check(ctx)) == ["K12.no_azure_plan"]


def test_refuses_a_reservation_without_scope_or_subscription_each_beside_its_field():
    problems = check(with_plan(reservation_line()))
    assert codes(problems) == ["K12.missing_scope", "K12.missing_subscription"]
    assert [p.field for p in problems] == ["reservation_scope", "azure_subscription_id"]
    assert problems[0].fix_url.endswith("#line-0-reservation")


def test_refuses_a_scope_other_than_shared_or_single():
    ctx = with_plan(reservation_line(reservation_scope="global",
                                     azure_subscription_id=AZURE_SUB))
    assert codes(check(ctx)) == ["K12.missing_scope"]


def test_allows_a_subscription_of_the_plan_pasted_with_spaces_around_it():
    ctx = with_plan(reservation_line(reservation_scope="single",
                                     azure_subscription_id=f" {AZURE_SUB.upper()} "))
    assert check(ctx) == []


def test_refuses_a_subscription_id_in_braces_or_without_hyphens_as_unknown():
    for written in ("{" + AZURE_SUB + "}", AZURE_SUB.replace("-", "")):
        ctx = with_plan(reservation_line(reservation_scope="shared",
                                         azure_subscription_id=written))
        assert codes(check(ctx)) == ["K12.unknown_subscription"], written


def test_refuses_a_subscription_that_is_not_a_subscription_id():
    ctx = with_plan(reservation_line(reservation_scope="shared",
                                     azure_subscription_id="my-subscription"))
    assert codes(check(ctx)) == ["K12.unknown_subscription"]


def test_refuses_a_subscription_that_is_not_in_this_customers_plan():
    ctx = with_plan(reservation_line(reservation_scope="shared",
                                     azure_subscription_id=OTHER_SUB))
    assert codes(check(ctx)) == ["K12.subscription_not_in_plan"]


def test_refuses_a_disabled_subscription_of_the_plan():
    disabled = (AzureSubscriptionFacts(AZURE_SUB, "Old", False),)
    ctx = with_plan(reservation_line(reservation_scope="shared",
                                     azure_subscription_id=AZURE_SUB), subs=disabled)
    assert codes(check(ctx)) == ["K12.subscription_not_in_plan"]


def test_refuses_as_unconfirmed_when_partner_center_could_not_list_the_plan():
    ctx = with_plan(reservation_line(reservation_scope="shared",
                                     azure_subscription_id=AZURE_SUB), subs=None)
    assert codes(check(ctx)) == ["K12.subscriptions_unconfirmed"]


def test_allows_the_first_azure_plan():
    assert check(context(lines=(plan_line(),))) == []


def test_refuses_a_second_azure_plan():
    assert codes(check(with_plan(plan_line()))) == ["K12.azure_plan_already_held"]


def test_counts_an_azure_plan_still_on_order():
    on_order = subscription("order:4:0", product_id="DZH318Z0BPS6", family="azure_plan",
                            status="pending", source="pending_order")
    ctx = context(lines=(plan_line(),), existing_subscriptions=(on_order,))
    assert codes(check(ctx)) == ["K12.azure_plan_already_held"]


def test_a_plan_still_on_order_does_not_yet_carry_a_reservation():
    on_order = subscription("order:4:0", product_id="DZH318Z0BPS6", family="azure_plan",
                            status="pending", source="pending_order")
    ctx = context(lines=(reservation_line(reservation_scope="shared",
                                          azure_subscription_id=AZURE_SUB),),
                  existing_subscriptions=(on_order,))
    assert codes(check(ctx)) == ["K12.no_azure_plan"]


def test_refuses_two_azure_plans_in_one_cart():
    ctx = context(lines=(plan_line(), plan_line(1)))
    assert codes(check(ctx)) == ["K12.one_azure_plan", "K12.one_azure_plan"]


def test_refuses_an_azure_plan_for_a_customer_with_the_legacy_azure_offer():
    legacy = subscription("legacy", product_id="MS-AZR-0145P", sku_id="", family="other")
    ctx = context(lines=(plan_line(),), existing_subscriptions=(legacy,))
    assert codes(check(ctx)) == ["K12.legacy_azure_subscription"]
