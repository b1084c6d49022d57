"""run_rules runs every rule, collects every problem in a fixed order, and never crashes."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checkout.context import CheckoutContext
from checkout.rules import ALL_RULES, run_rules
from tests.checkout.factories import (
    codes,
    context,
    customer,
    direct,
    line,
    reseller,
)


def test_a_valid_reseller_order_has_no_problems():
    assert run_rules(context()) == []


def test_a_valid_direct_order_has_no_problems():
    assert run_rules(direct()) == []


def test_every_rule_module_is_run_once_with_its_rule_constant():
    names = {module.__name__.rsplit(".", 1)[1] for module in ALL_RULES}
    assert len(names) == len(ALL_RULES) == 18
    assert {module.RULE for module in ALL_RULES} == {
        "K1", "K2", "K3", "K4", "K5", "K6", "K7", "K8", "K9", "K10", "K11", "K12", "C1", "C2",
        "C3", "C4", "C7", "S2"}


def test_all_problems_are_collected_customer_first_then_lines():
    ctx = context(customer=customer(city="", postal_code="1011"),
                  reseller=reseller(mpa_verified=None),
                  lines=(line(quantity=0),
                         line(1, product_id="CFQ7TTC0LH0R", segment="nonprofit")))
    assert codes(run_rules(ctx)) == [
        "K9.mpa_unverified", "K1.missing_city", "K2.invalid_postal_code",
        "K7.not_qualified", "S2.quantity_below_minimum"]


def test_the_same_context_always_gives_the_same_problems():
    ctx = context(customer=customer(email="nope", country="RU", tax_id="1"))
    assert run_rules(ctx) == run_rules(ctx)


def test_the_context_rejects_lines_that_are_not_indexed_in_order():
    with pytest.raises(ValueError, match="indexed"):
        context(lines=(line(1),))


def test_the_context_rejects_an_unknown_plan_family():
    with pytest.raises(ValueError, match="family"):
        line(family="office365")


def test_the_context_freezes_the_tax_id_country_list():
    ctx = context()
    assert isinstance(ctx, CheckoutContext)
    with pytest.raises(TypeError):
        ctx.tax_id_countries["DE"] = ctx.tax_id_countries["RU"]  # type: ignore[index]


COUNTRIES = st.sampled_from(["US", "GB", "DE", "JP", "BR", "RU", "IE", "AE", "HK", "XK", "HU",
                             "IN", "UA", "SS", "ZZ", "", "de", "Deutschland", "../x"])


@settings(max_examples=150, deadline=None)
@given(country=COUNTRIES, postal_code=st.text(max_size=20), tax_id=st.text(max_size=30),
       region=st.text(max_size=10), email=st.text(max_size=30))
def test_run_rules_never_raises_on_arbitrary_customer_input(country, postal_code, tax_id,
                                                              region, email):
    ctx = context(customer=customer(country=country, postal_code=postal_code, tax_id=tax_id,
                                    region=region, email=email))
    problems = run_rules(ctx)
    assert all(p.code.startswith(p.rule + ".") for p in problems)


@settings(max_examples=60, deadline=None)
@given(quantity=st.integers(-5, 1000), cycle=st.sampled_from(["monthly", "annual", "triennial",
                                                              "one_time"]),
       term=st.sampled_from(["P1M", "P1Y", "P3Y", None]), add_to=st.sampled_from([None, "x"]))
def test_run_rules_never_raises_on_arbitrary_lines(quantity, cycle, term, add_to):
    ctx = context(lines=(line(quantity=quantity, billing_cycle=cycle, term_duration=term,
                              add_to_subscription_id=add_to),
                         line(1, billing_cycle=cycle, term_duration=term)))
    assert isinstance(run_rules(ctx), list)
