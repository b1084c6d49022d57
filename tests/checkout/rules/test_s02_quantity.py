"""S2: each line's license count is within the plan's minimum and maximum."""

import pytest

from checkout.rules.s02_quantity import check
from tests.checkout.factories import codes, context, line


@pytest.mark.parametrize("quantity", [1, 5, 300])
def test_allows_a_quantity_within_the_plan_limits(quantity):
    assert check(context(lines=(line(quantity=quantity),))) == []


@pytest.mark.parametrize("quantity", [0, -1])
def test_refuses_fewer_licenses_than_the_minimum(quantity):
    assert codes(check(context(lines=(line(quantity=quantity),)))) == [
        "S2.quantity_below_minimum"]


def test_refuses_fewer_than_a_plan_minimum_above_one():
    (problem,) = check(context(lines=(line(quantity=4, min_quantity=5),)))
    assert problem.code == "S2.quantity_below_minimum"
    assert "at least 5" in problem.message


def test_refuses_more_licenses_than_the_maximum():
    (problem,) = check(context(lines=(line(), line(1, quantity=301))))
    assert problem.code == "S2.quantity_above_maximum"
    assert problem.line == 1


def test_a_plan_without_a_maximum_accepts_any_positive_quantity():
    assert check(context(lines=(line(quantity=10_000, max_quantity=None),))) == []


def test_refuses_a_quantity_outside_its_price_tier():
    (problem,) = check(context(lines=(line(quantity=200, in_tier=False,
                                           tier="1–300 licenses"),)))
    assert problem.code == "S2.quantity_outside_price_tier"
    assert "order 1–300 licenses at this price" in problem.message
    assert problem.field == "quantity"
