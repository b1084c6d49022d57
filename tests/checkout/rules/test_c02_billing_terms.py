"""C2: a billing cycle can never be longer than the term it bills."""

import pytest

from checkout.rules.c02_billing_terms import check
from tests.checkout.factories import codes, context, line, reservation_line


@pytest.mark.parametrize(("term", "cycle"), [
    ("P1M", "monthly"), ("P1Y", "monthly"), ("P1Y", "annual"), ("P3Y", "annual"),
    ("P3Y", "triennial"), ("P3Y", "monthly"),
])
def test_allows_a_cycle_that_fits_the_term(term, cycle):
    assert check(context(lines=(line(term_duration=term, billing_cycle=cycle),))) == []


@pytest.mark.parametrize(("term", "cycle"), [
    ("P1M", "annual"), ("P1M", "triennial"), ("P1Y", "triennial"), (None, "monthly"),
])
def test_refuses_a_cycle_longer_than_the_term(term, cycle):
    ctx = context(lines=(line(term_duration=term, billing_cycle=cycle),))
    assert codes(check(ctx)) == ["C2.billing_cycle_exceeds_term"]


def test_allows_one_time_purchases_with_or_without_a_term():
    assert check(context(lines=(reservation_line(), reservation_line(1, term_duration=None)))) == []
