"""K10: no Azure reservations for customers in the markets Microsoft lists as unavailable."""

from checkout.rules.k10_reservation_markets import check
from tests.checkout.factories import codes, context, customer, line, reservation_line


def test_refuses_an_azure_reservation_for_a_customer_in_greenland():
    ctx = context(customer=customer(country="GL", postal_code="3900", city="Nuuk"),
                  lines=(line(), reservation_line(1)))
    (problem,) = check(ctx)
    assert problem.code == "K10.reservations_unavailable_in_market"
    assert problem.line == 1


def test_allows_an_azure_reservation_for_a_customer_in_germany():
    assert check(context(lines=(reservation_line(),))) == []


def test_allows_other_products_in_a_blocked_market():
    assert check(context(customer=customer(country="GL"), lines=(line(),))) == []


def test_refuses_a_reservation_in_kosovo_which_pycountry_does_not_know():
    ctx = context(customer=customer(country="XK"), lines=(reservation_line(),))
    assert codes(check(ctx)) == ["K10.reservations_unavailable_in_market"]


def test_reads_the_blocked_markets_from_the_context_not_from_code():
    ctx = context(lines=(reservation_line(),), reservation_blocked_markets=frozenset({"DE"}))
    assert codes(check(ctx)) == ["K10.reservations_unavailable_in_market"]
