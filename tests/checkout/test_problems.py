"""Problems carry stable, rule-prefixed codes and group by field and by cart line."""

import pytest

from checkout.problems import CheckoutRefused, Problem, by_field, by_line


def test_a_problem_code_must_be_prefixed_by_its_rule():
    with pytest.raises(ValueError, match="K6"):
        Problem("K6", "K5.whatever", "message", "billing_cycle")


def test_a_problem_code_must_be_a_snake_case_slug():
    with pytest.raises(ValueError):
        Problem("K6", "K6.Second-Subscription", "message", "billing_cycle")


def test_refusal_carries_every_problem_and_its_codes():
    problems = [Problem("K1", "K1.missing_city", "m", "city"),
                Problem("K6", "K6.third_subscription", "m", "billing_cycle", line=0)]
    refused = CheckoutRefused(problems)
    assert refused.problems == tuple(problems)
    assert refused.codes == ("K1.missing_city", "K6.third_subscription")


def test_a_refusal_without_problems_is_a_programming_error():
    with pytest.raises(ValueError):
        CheckoutRefused([])


def test_customer_problems_group_by_field_and_line_problems_by_line():
    city = Problem("K1", "K1.missing_city", "m", "city")
    email = Problem("K1", "K1.invalid_email", "m", "email")
    quantity = Problem("S2", "S2.quantity_above_maximum", "m", "quantity", line=1)
    assert by_field([city, email, quantity]) == {"city": [city], "email": [email]}
    assert by_line([city, email, quantity]) == {1: [quantity]}


def test_a_problem_serialises_to_plain_data_for_the_api():
    problem = Problem("K4", "K4.delegated_admin_missing", "m", "delegated_admin", "https://x", None)
    assert problem.as_dict() == {"rule": "K4", "code": "K4.delegated_admin_missing",
                                 "message": "m", "field": "delegated_admin",
                                 "fix_url": "https://x", "line": None}
