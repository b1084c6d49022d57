"""K7: nonprofit, education and government plans only for customers qualified for them."""

import pytest

from checkout.rules.k07_specialized_industry import check
from tests.checkout.factories import URLS, codes, context, customer, line


def test_refuses_a_nonprofit_plan_for_an_unqualified_customer():
    (problem,) = check(context(lines=(line(segment="nonprofit"),)))
    assert problem.code == "K7.not_qualified"
    assert problem.line == 0
    assert "cannot purchase" in problem.message
    assert "Nonprofit Programs" in problem.message
    assert problem.fix_url == URLS.qualification


def test_allows_a_nonprofit_plan_for_a_qualified_customer():
    ctx = context(customer=customer(qualifications=frozenset({"nonprofit"})),
                  lines=(line(segment="nonprofit"),))
    assert check(ctx) == []


@pytest.mark.parametrize("segment", ["education", "government"])
def test_refuses_a_plan_of_another_segment_than_the_customer_is_qualified_for(segment):
    ctx = context(customer=customer(qualifications=frozenset({"nonprofit"})),
                  lines=(line(segment=segment),))
    assert codes(check(ctx)) == ["K7.not_qualified"]


def test_commercial_plans_need_no_qualification():
    assert check(context(lines=(line(segment="commercial"),))) == []


def test_reports_each_unqualified_line():
    ctx = context(lines=(line(segment="education"), line(1), line(2, segment="government")))
    assert [p.line for p in check(ctx)] == [0, 2]
