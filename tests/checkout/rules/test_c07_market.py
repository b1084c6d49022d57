"""C7: a customer buys only at the prices of its own market."""

from checkout.rules.c07_market import check
from tests.checkout.factories import URLS, context, line


def test_a_line_priced_for_another_market_is_refused_with_the_cart_link():
    (problem,) = check(context(buyer_market="US", lines=(line(market="DE"),)))
    assert problem.code == "C7.other_market" and problem.line == 0
    assert problem.field == "price_id"
    assert problem.fix_url == URLS.billing_choice + "#line-0-billing"
    assert "DE market" in problem.message and "US market" in problem.message


def test_lines_of_the_customers_own_market_pass():
    assert check(context(buyer_market="US", lines=(line(market="US"), line(1, market="US")))) \
        == []


def test_each_foreign_line_is_named():
    ctx = context(buyer_market="PL", lines=(line(market="PL"), line(1, market="US")))
    assert [p.line for p in check(ctx)] == [1]
